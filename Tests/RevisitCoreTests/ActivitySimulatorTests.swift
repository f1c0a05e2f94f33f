import Foundation
import Testing
@testable import RevisitCore

@Suite("Generated activity and its win-back campaign")
struct ActivitySimulatorTests {
    static let dayMs: Int64 = 86_400_000
    static let campaign = ActivitySimulator.Campaign.winbackSMS

    /// One `campaign_touch` of the generated events.
    struct Touch {
        var userID: String
        var ts: Int64
        var campaign: String
        var variant: String?
    }

    /// A population large enough for a few hundred touches per variant.
    static let population = ActivitySimulator(users: 1_500, days: 180, seed: 42).generate()

    /// The touches, and per user the times of their activity events (sorted).
    static func split(_ events: [ActivitySimulator.Event]) throws -> (touches: [Touch], activity: [String: [Int64]]) {
        var touches: [Touch] = []
        var activity: [String: [Int64]] = [:]
        for event in events {
            if event.line.contains(#""type":"campaign_touch""#) {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(event.line.utf8)) as? [String: Any])
                touches.append(Touch(
                    userID: try #require(object["user_id"] as? String), ts: event.ts,
                    campaign: try #require(object["campaign"] as? String), variant: object["variant"] as? String))
            } else {
                activity[event.userID, default: []].append(event.ts)
            }
        }
        return (touches, activity)
    }

    static func day(_ ts: Int64) -> Int64 { ts >= 0 ? ts / dayMs : (ts - dayMs + 1) / dayMs }

    @Test("The same seed gives the same events; another seed, others")
    func deterministic() {
        let simulator = ActivitySimulator(users: 300, days: 120, seed: 9, invalidRate: 0.01)
        let first = simulator.generate().events
        let second = simulator.generate().events
        #expect(first.map(\.line) == second.map(\.line))
        #expect(first.map(\.ts) == second.map(\.ts))
        let other = ActivitySimulator(users: 300, days: 120, seed: 10, invalidRate: 0.01).generate().events
        #expect(first.map(\.line) != other.map(\.line))
    }

    @Test("Events are sorted by time")
    func sortedByTime() {
        let events = Self.population.events
        #expect(zip(events, events.dropFirst()).allSatisfy { $0.ts <= $1.ts })
    }

    @Test("The campaign touches a few hundred users in each variant, once each")
    func touchesInBothVariants() throws {
        let (touches, _) = try Self.split(Self.population.events)
        #expect(touches.allSatisfy { $0.campaign == Self.campaign.name })
        let control = touches.filter { $0.variant == "control" }.count
        let treatment = touches.filter { $0.variant == Self.campaign.treatment }.count
        #expect(control + treatment == touches.count)
        #expect(control >= 150, "control touches: \(control)")
        #expect(treatment >= 150, "treatment touches: \(treatment)")
        #expect(Set(touches.map(\.userID)).count == touches.count, "a user touched twice")
    }

    @Test("Every touch reaches a user who has visited and has been silent 30 days or more")
    func touchesQualify() throws {
        let (touches, activity) = try Self.split(Self.population.events)
        #expect(!touches.isEmpty)
        for touch in touches {
            let before = activity[touch.userID, default: []].filter { $0 < touch.ts }
            let last = try #require(before.max(), "\(touch.userID) touched before any visit")
            let silence = Self.day(touch.ts) - Self.day(last)
            #expect(silence >= Int64(Self.campaign.dormantAfterDays), "\(touch.userID) touched after \(silence) days")
        }
    }

    @Test("The treatment group comes back within 7 days clearly more often than the control group")
    func treatmentReturnsMoreOften() throws {
        let (touches, activity) = try Self.split(Self.population.events)
        let window = Int64(Self.campaign.attributionDays) * Self.dayMs
        var matured: [String: Int] = [:], returned: [String: Int] = [:]
        for touch in touches {
            let variant = touch.variant ?? "-"
            matured[variant, default: 0] += 1
            if activity[touch.userID, default: []].contains(where: { $0 > touch.ts && $0 <= touch.ts + window }) {
                returned[variant, default: 0] += 1
            }
        }
        func rate(_ variant: String) -> Double {
            Double(returned[variant, default: 0]) / Double(max(1, matured[variant, default: 0]))
        }
        let treatment = rate(Self.campaign.treatment), control = rate("control")
        #expect(treatment > control + 0.1, "treatment \(treatment), control \(control)")
        #expect(abs(treatment - Self.campaign.treatmentReturnRate) < 0.08, "treatment \(treatment)")
        #expect(abs(control - Self.campaign.controlReturnRate) < 0.06, "control \(control)")
    }

    @Test("Without a campaign there are no touches")
    func noCampaign() throws {
        let events = ActivitySimulator(users: 300, days: 180, seed: 3, campaign: nil).generate().events
        #expect(try Self.split(events).touches.isEmpty)
    }
}

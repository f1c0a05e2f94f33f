#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Win-back campaigns over a range of days (SPEC 7, `revisit metrics --campaigns`): per
/// campaign and variant the touches that matured and the users that came back, the return
/// rate, and for each variant other than `control` its uplift over the campaign's control and
/// the two-sided p-value of the pooled two-proportion z-test.
///
/// The test asks whether a variant's return rate differs from the control's by more than
/// chance would make it. It relies on the normal approximation, which is fair when each group
/// has about ten users who returned and ten who did not; with fewer, read the p-value as a
/// rough guide.
public struct CampaignEvaluation: Sendable, Equatable {
    /// The variant every other variant of its campaign is compared with.
    public static let controlVariant = "control"

    /// The level below which a p-value counts as significant in the verdicts.
    public static let significanceLevel = 0.05

    /// One campaign and variant over the range.
    public struct Entry: Sendable, Equatable {
        public var campaign: String
        /// Nil for touches without a variant (listed first, as in the records).
        public var variant: String?
        public var matured: Int
        public var returned: Int
        public var comparison: Comparison

        /// `returned / matured`; nil when nothing matured.
        public var rate: Double? { DailyMetricsReport.rate(returned, of: matured) }

        public var isControl: Bool { variant == CampaignEvaluation.controlVariant }

        /// `rate - rate(control)`, as a fraction (0.1 is 10 points).
        public var uplift: Double? {
            if case let .measured(uplift, _) = comparison { uplift } else { nil }
        }

        /// The two-sided p-value of the pooled two-proportion z-test against the control.
        public var pValue: Double? {
            if case let .measured(_, pValue) = comparison { pValue } else { nil }
        }
    }

    /// How an entry stands against its campaign's control.
    public enum Comparison: Sendable, Equatable {
        /// The entry is the control.
        case control
        /// The campaign has no `control` variant in the range.
        case noControl
        /// The entry or the control has no matured touch: there is no rate to compare.
        case emptyGroup
        /// Uplift (a fraction) and two-sided p-value.
        case measured(uplift: Double, pValue: Double)
    }

    /// Sorted by campaign, then variant (a missing variant first), as in the records.
    public private(set) var entries: [Entry]

    /// Sums `outcomes` per campaign and variant and compares each variant with its control.
    public init(outcomes: some Sequence<DailyMetricsRecord.CampaignOutcome>) {
        let sums = DailyMetricsRecord.summing(Array(outcomes))
        var controls: [String: DailyMetricsRecord.CampaignOutcome] = [:]
        for sum in sums where sum.variant == Self.controlVariant { controls[sum.campaign] = sum }
        entries = sums.map { sum in
            let comparison: Comparison
            if sum.variant == Self.controlVariant {
                comparison = .control
            } else if let control = controls[sum.campaign] {
                if let test = Self.pooledTwoProportionZTest(
                    successes: sum.returned, trials: sum.matured,
                    controlSuccesses: control.returned, controlTrials: control.matured) {
                    let uplift = Double(sum.returned) / Double(sum.matured) - Double(control.returned) / Double(control.matured)
                    comparison = .measured(uplift: uplift, pValue: test.pValue)
                } else {
                    comparison = .emptyGroup
                }
            } else {
                comparison = .noControl
            }
            return Entry(campaign: sum.campaign, variant: sum.variant, matured: sum.matured, returned: sum.returned,
                         comparison: comparison)
        }
    }

    /// The campaigns of every day of a report.
    public init(report: DailyMetricsReport) {
        self.init(outcomes: report.days.flatMap(\.totals.campaigns))
    }

    // MARK: - The test

    /// The pooled two-proportion z-test of `successes / trials` against
    /// `controlSuccesses / controlTrials`: with the pooled proportion
    /// `p = (x1 + x2) / (n1 + n2)`, `z = (x1/n1 - x2/n2) / sqrt(p (1 - p) (1/n1 + 1/n2))`
    /// and the two-sided p-value `P(|Z| >= |z|) = erfc(|z| / sqrt 2)`. Nil when a group is
    /// empty.
    ///
    /// When every user of both groups returned, or none did, the pooled variance is 0 and the
    /// two rates are equal: `z` is 0 and the p-value 1, since nothing tells the groups apart.
    public static func pooledTwoProportionZTest(
        successes: Int, trials: Int, controlSuccesses: Int, controlTrials: Int
    ) -> (z: Double, pValue: Double)? {
        guard trials > 0, controlTrials > 0 else { return nil }
        let n1 = Double(trials), n2 = Double(controlTrials)
        let pooled = Double(successes + controlSuccesses) / (n1 + n2)
        let variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
        guard variance > 0 else { return (0, 1) }
        let z = (Double(successes) / n1 - Double(controlSuccesses) / n2) / variance.squareRoot()
        return (z, erfc(abs(z) / 2.0.squareRoot()))
    }

    // MARK: - JSON

    /// One JSON object per entry and line: `campaign`, `variant` (null when missing),
    /// `matured`, `returned`, `rate`, and where measured `uplift` and `p_value`; absent values
    /// have no key. `p_value` is written with every digit it has: a p-value of 1e-9 rounded
    /// to six places would read as 0.
    public func jsonLines() -> String {
        var out = JSONBuffer()
        for entry in entries {
            OutputEncoder.appendFields(
                of: .init(campaign: entry.campaign, variant: entry.variant, matured: entry.matured, returned: entry.returned),
                to: &out)
            if let rate = entry.rate {
                out.key("rate")
                out.decimal(rate)
            }
            if case let .measured(uplift, pValue) = entry.comparison {
                out.key("uplift")
                out.decimal(uplift)
                out.key("p_value")
                var digits = pValue.description
                digits.withUTF8 { out.raw(UnsafeRawBufferPointer($0)) }
            }
            out.byte(0x7D)
            out.byte(0x0A)
        }
        return out.text
    }

    // MARK: - CSV

    public static let csvHeader = "campaign,variant,matured,returned,rate,uplift,p_value"

    /// The header line and one line per entry; absent values are empty fields.
    public func csv() -> String {
        var text = Self.csvHeader + "\n"
        for entry in entries {
            let fields = [
                Self.csvField(entry.campaign), entry.variant.map(Self.csvField) ?? "",
                String(entry.matured), String(entry.returned), DailyMetricsReport.csvNumber(entry.rate),
                DailyMetricsReport.csvNumber(entry.uplift), entry.pValue.map { $0.description } ?? "",
            ]
            text += fields.joined(separator: ",") + "\n"
        }
        return text
    }

    /// A text field quoted as RFC 4180 wants when it holds a comma, a quote or a line break.
    static func csvField(_ text: String) -> String {
        // Scalars, not characters: "\r\n" is one Character and equals neither alone.
        guard text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        var quoted = "\""
        for character in text {
            if character == "\"" { quoted.append("\"") }
            quoted.append(character)
        }
        return quoted + "\""
    }
}

import Foundation
import Testing

extension ServeTests {
    @Suite("The dashboard in headless Chromium")
    struct Dashboard {
        /// Where the screenshot goes: the temporary directory, so that a test run changes no
        /// file of the repository; with `REVISIT_UPDATE_SCREENSHOT=1`, `docs/dashboard.png`.
        static let screenshotPath: URL = {
            if ProcessInfo.processInfo.environment["REVISIT_UPDATE_SCREENSHOT"] == "1" {
                return URL(fileURLWithPath: #filePath)
                    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                    .appendingPathComponent("docs/dashboard.png")
            }
            return URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("revisit-dashboard-\(getpid()).png")
        }()

        @Test("asks for the token before it reads anything, then loads with no console error and nothing fetched from elsewhere; a chosen day's figures are the API's; English and 简体中文; a profile looked up; a screenshot")
        func dashboard() throws {
            let fixture = try ServeFixture.shared()
            let base = "http://127.0.0.1:\(fixture.port)"
            let browser = try HeadlessChromium()
            defer { browser.close() }
            let page = try Self.signedIn(browser, base: base, token: fixture.token)
            try browser.waitUntil("document.body.dataset.state === 'ready' && document.querySelectorAll('#alerts li[data-alert-id]').length > 0", session: page)
            #expect(try browser.evaluate("typeof Chart === 'function' && Object.keys(Chart.instances).length", session: page) as? Int == 6)

            // A day chosen with the range picker: the cards and the day's row show the API's figures.
            let days = try Self.array(try fixture.get("/api/v1/daily").body)
            let day = days[days.count / 2]
            let date = day["date"] as! String
            try browser.evaluate("""
                (() => { const from = document.getElementById('from'), to = document.getElementById('to');
                  from.value = '\(date)'; to.value = '\(date)'; to.dispatchEvent(new Event('change')); return true; })()
                """, session: page)
            try browser.waitUntil("document.body.dataset.range === '\(date)/\(date)' && document.body.dataset.state === 'ready'", session: page)
            let api = try #require(try Self.array(try fixture.get("/api/v1/daily?from=\(date)&to=\(date)").body).first)
            let cards = try #require(try browser.evaluate(
                "Object.fromEntries([...document.querySelectorAll('[data-kpi]')].map(n => [n.dataset.kpi, n.textContent]))",
                session: page) as? [String: String])
            #expect(try browser.evaluate("document.getElementById('kpi-date').textContent", session: page) as? String == date)
            Self.expectShown(cards, equal: api)
            let row = try #require(try browser.evaluate(
                "[...document.querySelectorAll('#days tbody tr')].map(r => [...r.cells].map(c => c.textContent))", session: page) as? [[String]])
            #expect(row.count == 1)
            #expect(row.first?.prefix(4) == [date, Self.count(api["active_users"]), Self.count(api["wau"]), Self.count(api["mau"])])

            // Every day: the campaign table is the API's.
            try browser.evaluate("document.querySelector('.presets button[data-days=\"0\"]').click()", session: page)
            let (first, last) = (days.first!["date"] as! String, days.last!["date"] as! String)
            try browser.waitUntil("document.body.dataset.range === '\(first)/\(last)' && document.body.dataset.state === 'ready'", session: page)
            let campaigns = try Self.array(try fixture.get("/api/v1/campaigns").body)
            let table = try #require(try browser.evaluate(
                "[...document.querySelectorAll('#campaigns tbody tr')].map(r => [...r.cells].map(c => c.textContent))", session: page) as? [[String]])
            #expect(table.count == campaigns.count)
            for (cells, entry) in zip(table, campaigns) {
                #expect(cells[0] == entry["campaign"] as? String && cells[1] == entry["variant"] as? String)
                #expect(cells[2] == Self.count(entry["matured"]) && cells[3] == Self.count(entry["returned"]))
                #expect(Self.percentMatches(cells[4], entry["rate"]))
                if let p = entry["p_value"] as? Double {
                    #expect(cells[7].contains(p < 0.05 ? "significant at 5%" : "not significant"), "\(cells[7])")
                }
            }

            // The newest alert first, as the stream sends it.
            let stream = try #require(fixture.stream("/api/v1/alerts/stream?limit=1"))
            let newest = try #require(stream.events(count: 1, timeout: 10).first)
            #expect(try browser.evaluate("document.querySelector('#alerts li').dataset.alertId", session: page) as? String == newest.id)

            // 简体中文, and back.
            try browser.evaluate("document.getElementById('lang-zh').click()", session: page)
            #expect(try browser.evaluate("document.documentElement.lang", session: page) as? String == "zh-CN")
            #expect(try browser.evaluate("document.querySelector('h1').textContent", session: page) as? String == "Revisit：用户留存")
            #expect(try browser.evaluate("document.querySelector('[data-i18n=dau]').textContent", session: page) as? String == "日活跃用户")
            #expect(try browser.evaluate("document.getElementById('lang-zh').getAttribute('aria-pressed')", session: page) as? String == "true")
            #expect(try browser.evaluate("Chart.instances[Object.keys(Chart.instances)[0]].data.datasets[0].label", session: page) as? String == "日活")
            let verdicts = try browser.evaluate("[...document.querySelectorAll('#campaigns td.verdict')].map(c => c.textContent).join(' ')", session: page) as? String
            #expect(verdicts?.contains("对照组") == true, "\(verdicts ?? "")")
            try browser.evaluate("document.getElementById('lang-en').click()", session: page)
            #expect(try browser.evaluate("document.querySelector('h1').textContent", session: page) as? String == "Revisit: user retention")

            // The profile box.
            let user = fixture.users[0]
            let profile = try Self.object(try fixture.get("/api/v1/profiles/\(user)").body)
            try browser.evaluate("""
                (() => { document.getElementById('profile-id').value = '\(user)';
                  document.getElementById('profile-form').requestSubmit(); return true; })()
                """, session: page)
            try browser.waitUntil("document.querySelector('#profile dd[data-field=as_of]') !== null", session: page)
            #expect(try browser.evaluate("document.querySelector('#profile dd[data-field=as_of]').textContent", session: page) as? String == profile["as_of"] as? String)
            #expect(try browser.evaluate("document.querySelector('#profile dd[data-field=current_streak]').textContent", session: page) as? String == Self.count(profile["current_streak"]))

            // The default view for the screenshot: the last 30 days.
            try browser.evaluate("document.querySelector('.presets button[data-days=\"30\"]').click()", session: page)
            try browser.waitUntil("document.body.dataset.state === 'ready' && !document.body.dataset.range.startsWith('\(first)/')", session: page)
            try browser.pump(for: 0.5)
            // Down to the campaigns: the daily table below only repeats the charts' figures.
            let height = try #require(try browser.evaluate(
                "Math.ceil(document.querySelector('.campaigns').getBoundingClientRect().bottom + window.scrollY) + 16", session: page) as? Int)
            let png = try browser.screenshot(session: page, width: 1280, height: height)
            #expect(png.count > 50_000 && png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
            try png.write(to: Self.screenshotPath)

            #expect(browser.problems.isEmpty, "\(browser.problems)")
            let elsewhere = browser.requests.filter { !$0.hasPrefix(base + "/") && !$0.hasPrefix("data:") }
            #expect(elsewhere.isEmpty, "requests off the server: \(elsewhere)")
            #expect(browser.requests.contains(base + "/assets/chart.min.js"))
            #expect(!browser.requests.contains { $0.contains(fixture.token) }, "the token in an address")
        }

        /// Opens the dashboard, which asks for a token before it requests anything of the API,
        /// and signs in with `token`; returns the page's session.
        static func signedIn(_ browser: HeadlessChromium, base: String, token: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
            let before = browser.requests.count
            let page = try browser.open(base + "/", width: 1280, height: 900)
            try browser.waitUntil("document.body.dataset.state === 'signed-out' && !document.getElementById('sign-in').hidden", session: page)
            #expect(try browser.evaluate("document.querySelector('main').hidden", session: page) as? Bool == true, sourceLocation: sourceLocation)
            let asked = browser.requests.dropFirst(before).filter { $0.contains("/api/") }
            #expect(asked.isEmpty, "API requests before a token: \(asked)", sourceLocation: sourceLocation)
            try browser.evaluate("""
                (() => { document.getElementById('token').value = '\(token)';
                  document.getElementById('sign-in-form').requestSubmit(); return true; })()
                """, session: page)
            try browser.waitUntil("document.getElementById('sign-in').hidden && !document.querySelector('main').hidden", session: page)
            return page
        }

        // MARK: - What the page shows

        /// The cards show the day's counts (grouped by thousands) and rates (percent, one
        /// place, `-` when undefined).
        static func expectShown(_ cards: [String: String], equal day: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) {
            let retention = day["retention"] as! [String: [String: Any]]
            for key in ["active_users", "wau", "mau", "new_users", "became_churned", "recalled"] {
                #expect(cards[key] == count(day[key]), "\(key): \(cards[key] ?? "none")", sourceLocation: sourceLocation)
            }
            let rates: [String: Any?] = [
                "stickiness": day["stickiness"], "revisit_rate": day["revisit_rate"], "recall_rate": day["recall_rate"],
                "retention_d1": retention["d1"]!["rate"], "retention_d7": retention["d7"]!["rate"], "retention_d30": retention["d30"]!["rate"],
            ]
            for (key, rate) in rates {
                #expect(percentMatches(cards[key] ?? "", rate ?? nil), "\(key): \(cards[key] ?? "none") for \(String(describing: rate))", sourceLocation: sourceLocation)
            }
        }

        /// `1,274` for 1274.
        static func count(_ value: Any?) -> String {
            let formatter = NumberFormatter()
            formatter.numberStyle = .decimal
            formatter.locale = Locale(identifier: "en_US")
            return formatter.string(from: (value as? NSNumber) ?? -1) ?? "?"
        }

        /// Whether `shown` (`24.4%`, or `-`) is `rate` as a percentage rounded to one place.
        static func percentMatches(_ shown: String, _ rate: Any?) -> Bool {
            guard let rate = rate as? Double else { return shown == "-" }
            guard shown.hasSuffix("%"), let value = Double(shown.dropLast()) else { return false }
            return abs(value - rate * 100) <= 0.05 + 1e-9
        }

        static func array(_ text: String) throws -> [[String: Any]] {
            try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        }

        static func object(_ text: String) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        }
    }
}

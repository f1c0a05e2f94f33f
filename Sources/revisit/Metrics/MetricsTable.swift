import Foundation
import RevisitCore

/// The terminal tables of `revisit metrics`: aligned columns, rates as percentages, `-` for a
/// rate that is not defined (its denominator is 0), and for campaigns a verdict line per
/// variant that says what a person wants to know: better or worse than control, by how
/// much, and whether chance explains it.
enum MetricsTable {
    // MARK: - Days

    /// One row per day. Tier and stage counts are left to `--format json` and `csv`: with
    /// them a row no longer fits a terminal.
    static func days(_ report: DailyMetricsReport) -> String {
        let header = ["date", "partitions", "active", "wau", "mau", "new", "stickiness", "revisit",
                      "ret d1", "ret d7", "ret d30", "churned", "recalled", "recall"]
        let rows = report.days.map { day -> [String] in
            let m = day.totals
            var row = [EventTime.formatDate(m.date)]
            row += [day.partitions, m.activeUsers, m.wau, m.mau, m.newUsers].map(String.init)
            row += [percent(day.stickiness), percent(day.revisitRate)]
            row += day.retentionRates.map(percent)
            row += [String(m.becameChurned), String(m.recalled), percent(day.recallRate)]
            return row
        }
        return render([header] + rows, leftColumns: 1)
    }

    // MARK: - Campaigns

    /// One row per campaign and variant, then a verdict line per variant other than control.
    static func campaigns(_ evaluation: CampaignEvaluation) -> String {
        guard !evaluation.entries.isEmpty else { return "no win-back touches matured in the range\n" }
        let header = ["campaign", "variant", "matured", "returned", "rate", "uplift", "p-value"]
        let rows = evaluation.entries.map { entry -> [String] in
            [entry.campaign, variantName(entry.variant), String(entry.matured), String(entry.returned),
             percent(entry.rate), entry.uplift.map { signedPoints($0) + " pts" } ?? "", entry.pValue.map(pValue) ?? ""]
        }
        var text = render([header] + rows, leftColumns: 2)
        let verdicts = evaluation.entries.compactMap(verdict)
        if !verdicts.isEmpty { text += "\n" + verdicts.map { $0 + "\n" }.joined() }
        return text
    }

    /// `winback/sms: +10.0 points over control, p = 0.000003, significant at 5%`, or why
    /// there is no comparison; nil for the control itself.
    static func verdict(_ entry: CampaignEvaluation.Entry) -> String? {
        let name = "\(entry.campaign)/\(variantName(entry.variant))"
        switch entry.comparison {
        case .control:
            return nil
        case .noControl:
            return "\(name): no control group in the range, so no comparison"
        case .emptyGroup:
            let empty = entry.matured == 0 ? "this variant" : "the control group"
            return "\(name): no touch of \(empty) matured in the range, so no comparison"
        case let .measured(uplift, p):
            let significance = p < CampaignEvaluation.significanceLevel
                ? "significant at 5%" : "not significant at 5% (could be chance)"
            let difference = signedPoints(uplift)
            let change = switch difference.first {
            case "+": "\(difference) points over control"
            case "-": "\(difference) points under control"
            default: "same rate as control"
            }
            let shown = pValue(p)
            let statement = shown.hasPrefix("<") ? "p \(shown)" : "p = \(shown)"
            return "\(name): \(change), \(statement), \(significance)"
        }
    }

    // MARK: - Numbers

    /// `33.3%`, or `-` when the rate is not defined.
    static func percent(_ rate: Double?) -> String {
        guard let rate else { return "-" }
        return String(format: "%.1f%%", rate * 100)
    }

    /// An uplift in percentage points with its sign, `+10.0` or `-2.5`; `0.0` when it rounds
    /// to nothing.
    static func signedPoints(_ uplift: Double) -> String {
        let text = String(format: "%.1f", abs(uplift) * 100)
        if text == "0.0" { return text }
        return (uplift > 0 ? "+" : "-") + text
    }

    /// Six places below 0.001, so that a strong result does not read as 0; three above.
    static func pValue(_ p: Double) -> String {
        if p < 0.000_001 { return "< 0.000001" }
        return String(format: p < 0.001 ? "%.6f" : "%.3f", p)
    }

    private static func variantName(_ variant: String?) -> String { variant ?? "(none)" }

    // MARK: - Layout

    /// Columns two spaces apart; the first `leftColumns` (names, dates) aligned left, the
    /// numbers right, so that digits of the same place line up.
    private static func render(_ rows: [[String]], leftColumns: Int) -> String {
        var widths = [Int](repeating: 0, count: rows.map(\.count).max() ?? 0)
        for row in rows {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
        }
        var text = ""
        for row in rows {
            var line = ""
            for (i, cell) in row.enumerated() {
                if i > 0 { line += "  " }
                let padding = String(repeating: " ", count: widths[i] - cell.count)
                line += i < leftColumns ? cell + padding : padding + cell
            }
            while line.last == " " { line.removeLast() }
            text += line + "\n"
        }
        return text
    }
}

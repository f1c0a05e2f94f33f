import Foundation
import RevisitRuntime

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shows a topic replay's progress on standard error: on a terminal, a two-line display
/// redrawn in place at most five times a second; otherwise (a log file, a CI job) a plain
/// line every few seconds, which does not fill a log with carriage returns.
final class ReplayProgressDisplay {
    /// The longest row of per-partition glyphs; more partitions are counted after it.
    static let maxGlyphs = 64
    private static let levels: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    private let isTerminal = isatty(2) != 0
    private let interval: TimeInterval
    private var lastShown = Date.distantPast
    private var linesDrawn = 0

    init(logInterval: TimeInterval = 5) {
        interval = isTerminal ? 0.2 : logInterval
    }

    /// Shows `progress` unless the last display is more recent than the interval.
    func show(_ progress: ReplayProgress) {
        let now = Date()
        guard now.timeIntervalSince(lastShown) >= interval else { return }
        if !isTerminal {
            // The end is in the summary; a log only needs the way there.
            guard progress.isReading else { return }
            lastShown = now
            write(progress.line + "\n")
            return
        }
        lastShown = now
        draw(Self.render(progress))
    }

    /// Ends the display so that what follows starts on a line of its own.
    func finish(_ progress: ReplayProgress?) {
        if isTerminal, let progress { draw(Self.render(progress)) }
        if linesDrawn > 0 { write("\n") }
        linesDrawn = 0
    }

    // MARK: - Terminal

    /// `replay events  [██████████░░░░░░░░░░]  52.3%  12345 events/s  ETA 8 s` and a row with
    /// one glyph per partition: full when read, a level for one being read, `·` for one not
    /// started.
    static func render(_ progress: ReplayProgress) -> [String] {
        let width = 24
        let filled = min(width, Int(progress.fraction * Double(width)))
        var first = "replay \(progress.topic)  [" + String(repeating: "█", count: filled)
            + String(repeating: "░", count: width - filled) + "]  " + String(format: "%5.1f%%", progress.fraction * 100)
            + String(format: "  %.0f events/s", progress.eventsPerSecond)
        if let eta = progress.etaSeconds, progress.remainingOffsets > 0 {
            first += "  ETA " + ReplayProgress.duration(eta)
        } else if progress.remainingOffsets == 0 {
            first += "  " + ReplayProgress.duration(progress.elapsedSeconds)
        }
        var glyphs = ""
        for partition in progress.partitions.prefix(maxGlyphs) {
            if partition.isDone {
                glyphs.append("█")
            } else if partition.position > partition.startOffset {
                // The full block stays for partitions read to the end.
                glyphs.append(levels[min(levels.count - 2, Int(partition.fraction * Double(levels.count - 1)))])
            } else {
                glyphs.append("·")
            }
        }
        if progress.partitions.count > maxGlyphs { glyphs += "…+\(progress.partitions.count - maxGlyphs)" }
        return [first, "partitions \(glyphs)  \(progress.partitionsDone) of \(progress.partitions.count) read"]
    }

    /// Redraws in place: back to the first line drawn, then each line cleared and rewritten,
    /// cut to the terminal's width so that no line wraps and the next redraw lands right.
    private func draw(_ lines: [String]) {
        let columns = Self.terminalColumns()
        var text = linesDrawn > 1 ? "\u{1B}[\(linesDrawn - 1)A" : ""
        text += lines.map { "\r\u{1B}[2K" + String($0.prefix(max(10, columns - 1))) }.joined(separator: "\n")
        write(text)
        linesDrawn = lines.count
    }

    private static func terminalColumns() -> Int {
        var size = winsize()
        guard ioctl(2, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

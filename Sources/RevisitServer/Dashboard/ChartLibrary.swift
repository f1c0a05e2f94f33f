import Foundation

/// Chart.js 3.9.1 as Debian's `libjs-chart.js` installs it, served to the dashboard from the
/// server's own disk: the page then needs no network beyond this server.
///
/// The file is read once at start. When it is missing, the server still runs: the page
/// says that charts are unavailable and shows its tables, and ``problem`` says what to install.
public struct ChartLibrary: Sendable {
    /// Where Debian's package puts the minified UMD build.
    public static let debianPath = "/usr/share/javascript/chart.js/chart.min.js"

    /// The library's bytes, or nil when it could not be read.
    public let script: [UInt8]?
    /// Why there is no library, for the log and for the request that asks for it.
    public let problem: String?
    public let path: String

    /// Reads the library from `path`.
    public init(path: String = ChartLibrary.debianPath) {
        self.path = path
        if let data = FileManager.default.contents(atPath: path), !data.isEmpty {
            script = Array(data)
            problem = nil
        } else {
            script = nil
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
            problem = path == Self.debianPath
                ? "the dashboard's charts need Chart.js: \(path) \(reason); install Debian's package with: apt-get install libjs-chart.js"
                : "the dashboard's charts need Chart.js: \(path) (--chart-js) \(reason)"
        }
    }
}

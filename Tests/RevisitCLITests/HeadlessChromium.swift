import Foundation
import Glibc

/// Debian's `chromium` without a screen, driven through the DevTools protocol over a pipe
/// (`--remote-debugging-pipe`: JSON messages ended by a NUL byte, commands on fd 3, answers
/// and events on fd 4), so that no WebSocket client is needed.
///
/// It records what a person would see in the browser's console as a problem (console errors,
/// uncaught exceptions, failed loads, refused content) and the address of every request the
/// pages make.
final class HeadlessChromium {
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// Console errors, exceptions and failed loads so far, as text.
    private(set) var problems: [String] = []
    /// Every URL the pages requested, in order.
    private(set) var requests: [String] = []

    private let process = Process()
    private let commands = Pipe()
    private let answers = Pipe()
    private let profileDirectory = NSTemporaryDirectory() + "revisit-chromium-\(UUID().uuidString)"
    private var buffer: [UInt8] = []
    private var nextID = 0

    static let executable: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    init() throws {
        guard let executable = Self.executable else {
            throw Failure("no /usr/bin/chromium: install Debian's chromium (scripts/lib/setup.sh does for scripts/test)")
        }
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // The shell puts the two pipes where the browser expects them, then becomes the browser.
        process.arguments = [
            "-c", #"exec "$0" "$@" 3<&0 4>&1 </dev/null >/dev/null 2>/dev/null"#, executable,
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--lang=en-US", "--hide-scrollbars",
            "--user-data-dir=\(profileDirectory)", "--remote-debugging-pipe", "about:blank",
        ]
        process.standardInput = commands
        process.standardOutput = answers
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: profileDirectory)
    }

    // MARK: - Pages

    /// Opens `url` in a new page of `width` x `height` CSS pixels; returns the page's session.
    func open(_ url: String, width: Int, height: Int) throws -> String {
        let target = try call("Target.createTarget", ["url": "about:blank"])["targetId"] as! String
        let session = try call("Target.attachToTarget", ["targetId": target, "flatten": true])["sessionId"] as! String
        for domain in ["Runtime", "Log", "Page", "Network"] { try call("\(domain).enable", session: session) }
        try call("Emulation.setDeviceMetricsOverride",
                 ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": false], session: session)
        try call("Page.navigate", ["url": url], session: session)
        return session
    }

    /// The value of a JavaScript expression (promises awaited), as JSON gives it.
    @discardableResult
    func evaluate(_ expression: String, session: String) throws -> Any? {
        let result = try call(
            "Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true], session: session)
        if let exception = result["exceptionDetails"] as? [String: Any] {
            throw Failure("\(expression): \(Self.describe(exception: exception))")
        }
        return (result["result"] as? [String: Any])?["value"]
    }

    /// Waits until `expression` is true in the page. An exception counts as false: while a
    /// page loads, what the expression reads may not exist yet.
    func waitUntil(_ expression: String, session: String, timeout: TimeInterval = 20) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var last = "false"
        while true {
            do {
                if try evaluate(expression, session: session) as? Bool == true { return }
                last = "false"
            } catch {
                last = "\(error)"
            }
            guard Date() < deadline else { throw Failure("not true after \(Int(timeout)) s (\(last)): \(expression)") }
            try pump(for: 0.1)
        }
    }

    /// A PNG of the page's area from the top, `width` x `height` CSS pixels.
    func screenshot(session: String, width: Int, height: Int) throws -> Data {
        let result = try call("Page.captureScreenshot", [
            "format": "png", "captureBeyondViewport": true,
            "clip": ["x": 0, "y": 0, "width": width, "height": height, "scale": 1],
        ], session: session)
        guard let text = result["data"] as? String, let data = Data(base64Encoded: text) else { throw Failure("no screenshot") }
        return data
    }

    /// Closes the browser and waits for it to end.
    func close() {
        _ = try? call("Browser.close", timeout: 5)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    }

    // MARK: - Protocol

    /// Sends a command and returns its result, recording the events that come before it.
    @discardableResult
    func call(_ method: String, _ parameters: [String: Any] = [:], session: String? = nil, timeout: TimeInterval = 30) throws -> [String: Any] {
        nextID += 1
        let id = nextID
        var message: [String: Any] = ["id": id, "method": method, "params": parameters]
        if let session { message["sessionId"] = session }
        var data = try JSONSerialization.data(withJSONObject: message)
        data.append(0)
        try commands.fileHandleForWriting.write(contentsOf: data)
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            guard let answer = try nextMessage(before: deadline) else { throw Failure("no answer to \(method) within \(Int(timeout)) s") }
            guard answer["id"] as? Int == id else {
                record(answer)
                continue
            }
            if let error = answer["error"] as? [String: Any] { throw Failure("\(method): \(error)") }
            return answer["result"] as? [String: Any] ?? [:]
        }
    }

    /// Records the events that arrive within `seconds`.
    func pump(for seconds: TimeInterval) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while let event = try nextMessage(before: deadline) { record(event) }
    }

    private func nextMessage(before deadline: Date) throws -> [String: Any]? {
        let descriptor = answers.fileHandleForReading.fileDescriptor
        while true {
            if let end = buffer.firstIndex(of: 0) {
                let message = try JSONSerialization.jsonObject(with: Data(buffer[..<end])) as? [String: Any]
                buffer.removeSubrange(...end)
                return message ?? [:]
            }
            let wait = deadline.timeIntervalSinceNow
            guard wait > 0 else { return nil }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(min(wait, 1) * 1000) + 1) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let n = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard n > 0 else { throw Failure("the browser closed its pipe") }
            buffer += chunk[..<n]
        }
    }

    private func record(_ event: [String: Any]) {
        let parameters = event["params"] as? [String: Any] ?? [:]
        switch event["method"] as? String {
        case "Runtime.consoleAPICalled":
            guard ["error", "assert"].contains(parameters["type"] as? String) else { return }
            let arguments = (parameters["args"] as? [[String: Any]] ?? []).map { "\($0["value"] ?? $0["description"] ?? "")" }
            problems.append("console.\(parameters["type"]!): \(arguments.joined(separator: " "))")
        case "Runtime.exceptionThrown":
            problems.append("exception: " + Self.describe(exception: parameters["exceptionDetails"] as? [String: Any] ?? [:]))
        case "Log.entryAdded":
            let entry = parameters["entry"] as? [String: Any] ?? [:]
            guard entry["level"] as? String == "error" else { return }
            problems.append("\(entry["source"] ?? "log"): \(entry["text"] ?? "") \(entry["url"] ?? "")")
        case "Network.requestWillBeSent":
            if let url = (parameters["request"] as? [String: Any])?["url"] as? String { requests.append(url) }
        default:
            break
        }
    }

    private static func describe(exception: [String: Any]) -> String {
        let thrown = (exception["exception"] as? [String: Any])?["description"] as? String
        return thrown ?? exception["text"] as? String ?? "\(exception)"
    }
}

import ExchangeSim
import Foundation
import HummingbirdTesting
import HummingbirdWSClient
import Logging
import Testing

/// The recorded files under Tests/Data and a test-side reading of them, independent of the
/// venue's parser: the stream frames of a file in order, as (stream, envelope text).
enum ReplayData {
    /// Tests/Data/binance.
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Data/binance")

    /// The hftbacktest BTCUSDT spot file.
    static let hftbacktest = directory.appendingPathComponent("hftbacktest_spot_btcusdt_20240808.first15000lines.gz")
        .path
    /// The cryptofeed spot files (REST snapshots, stream).
    static let cryptofeedSpot = [
        directory.appendingPathComponent("spot-2021/cryptofeed_BINANCE.http.0.0.txt").path,
        directory.appendingPathComponent("spot-2021/cryptofeed_BINANCE.ws.1.0.txt").path,
    ]
    /// The cryptofeed USD-M files (REST snapshots, stream).
    static let cryptofeedFutures = [
        directory.appendingPathComponent("usdm-2021/cryptofeed_BINANCE_FUTURES.http.0.0.txt").path,
        directory.appendingPathComponent("usdm-2021/cryptofeed_BINANCE_FUTURES.ws.1.0.txt").path,
    ]

    /// One recorded stream frame.
    struct Frame {
        /// Receive time, ns.
        let time: Int64
        /// The stream name.
        let stream: String
        /// The recorded `{"stream":…,"data":…}` text.
        let envelope: String
        /// The recorded `data` text.
        var data: String {
            String(envelope.dropFirst("{\"stream\":\"\(stream)\",\"data\":".count).dropLast())
        }
    }

    /// The stream frames of a file, in file order.
    static func frames(_ path: String) throws -> [Frame] {
        var frames: [Frame] = []
        for line in try text(path).split(separator: "\n") {
            let parts: (Substring, Substring)
            if let colon = line.range(of: ": {"), line.first?.isNumber == true {
                parts = (line[..<colon.lowerBound], line[line.index(after: colon.lowerBound)...].dropFirst())
            } else if let space = line.firstIndex(of: " "), line.first?.isNumber == true {
                parts = (line[..<space], line[line.index(after: space)...])
            } else {
                continue
            }
            let json = String(parts.1)
            guard json.hasPrefix("{\"stream\":\""), let end = json.dropFirst(11).firstIndex(of: "\"") else { continue }
            let stream = String(json[json.index(json.startIndex, offsetBy: 11)..<end])
            let time: Int64
            if let dot = parts.0.firstIndex(of: ".") {
                let fraction = String((parts.0[parts.0.index(after: dot)...] + "000000000").prefix(9))
                time = Int64(parts.0[..<dot])! * 1_000_000_000 + Int64(fraction)!
            } else {
                time = Int64(parts.0)!
            }
            frames.append(Frame(time: time, stream: stream, envelope: json))
        }
        return frames
    }

    /// A file's text (gzip through `gzip -dc`).
    static func text(_ path: String) throws -> String {
        guard path.hasSuffix(".gz") else { return try String(contentsOfFile: path, encoding: .utf8) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

/// Text frames received by a WebSocket client, with arrival times.
final class ReplayInbox: @unchecked Sendable {
    private let lock = NSLock()
    private var texts: [String] = []
    private var times: [ContinuousClock.Instant] = []

    func append(_ text: String) {
        let now = ContinuousClock.now
        lock.withLock {
            texts.append(text)
            times.append(now)
        }
    }

    /// Everything received so far.
    var received: [String] { lock.withLock { texts } }

    /// The number received so far.
    var count: Int { lock.withLock { texts.count } }

    /// The arrival times of the first and last message.
    var span: (first: ContinuousClock.Instant, last: ContinuousClock.Instant)? {
        lock.withLock { times.first.map { ($0, times.last!) } }
    }

    /// Waits until a message containing `text` arrived (or `seconds` passed); whether it did.
    func wait(until text: String, seconds: Double = 15) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        var checked = 0
        while ContinuousClock.now < deadline {
            let received = self.received
            if received[checked...].contains(where: { $0.contains(text) }) { return true }
            checked = received.count
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    /// Waits until `count` messages arrived (or `seconds` passed); whether they did.
    func wait(for count: Int, seconds: Double = 15) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if self.count >= count { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return self.count >= count
    }
}

/// A server replaying recorded files, and WebSocket clients of it.
struct ReplayServer: Sendable {
    let port: Int
    let http: SimHTTP

    /// A still venue (no background liquidity, no warm-up) replaying `files` at `speed`.
    static func configuration(
        _ files: [String], speed: ReplayConfiguration.Speed, start: ReplayConfiguration.Start = .firstSubscriber
    ) throws -> ExchangeSimServer.Configuration {
        var configuration = ExchangeSimServer.Configuration()
        configuration.participantIntervalMillis = 0
        configuration.warmUpSteps = 0
        configuration.replay = try ReplayConfiguration(files: files, speed: speed, start: start)
        return configuration
    }

    /// Runs a server with `configuration` for `body`; returns what `body` returned.
    @discardableResult
    static func with<T: Sendable>(
        _ configuration: ExchangeSimServer.Configuration, _ body: @escaping @Sendable (ReplayServer) async throws -> T
    ) async throws -> T {
        let server = try ExchangeSimServer(configuration: configuration)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await server.run()
                return nil
            }
            let port = await server.port()
            let result = try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                try await body(ReplayServer(port: port, http: SimHTTP(client: client)))
            }
            group.cancelAll()
            return result
        }
    }

    /// Connects to `path`, collects every text frame into an inbox, and runs `body` with it;
    /// closes the socket when `body` returns, and returns the inbox.
    @discardableResult
    func connect(
        _ path: String, _ body: @escaping @Sendable (ReplayInbox) async throws -> Void
    ) async throws -> ReplayInbox {
        let inbox = ReplayInbox()
        var logger = Logger(label: "ReplayTests")
        logger.logLevel = .warning
        try await WebSocketClient.connect(
            url: "ws://127.0.0.1:\(port)\(path)", configuration: .init(maxFrameSize: 1 << 24), logger: logger
        ) { inbound, outbound, _ in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await message in inbound.messages(maxSize: 1 << 24) {
                        if case .text(let text) = message { inbox.append(text) }
                    }
                }
                try await body(inbox)
                try await outbound.close(.normalClosure, reason: nil)
                try await group.waitForAll()
            }
        }
        return inbox
    }

    /// `GET /admin/replay`.
    func status() async throws -> [String: Any] {
        try await http.send(.get, "/admin/replay").object
    }

    /// Waits until the replay reports `state`.
    func waitFor(state: String, seconds: Double = 15) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        var last: [String: Any] = [:]
        while ContinuousClock.now < deadline {
            last = try await status()
            if last["state"] as? String == state { return last }
            try await Task.sleep(for: .milliseconds(20))
        }
        return last
    }
}

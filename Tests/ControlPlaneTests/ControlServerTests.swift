import Account
import AsyncHTTPClient
import ControlPlane
import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization
import Testing

/// A source with two symbols whose books the test moves, an account it publishes to, and a
/// record of the commands the server handed it.
final class FakeSource: ControlSource, Sendable {
    let books = Mutex<[String: JSONValue]>([
        "AAA": ["symbol": "AAA", "bids": [["1.00", "5"]], "asks": [["1.01", "5"]]],
        "BBB": ["symbol": "BBB", "bids": [["2.00", "5"]], "asks": [["2.02", "5"]]],
    ])
    let commands = Mutex<[ControlCommand]>([])
    /// A symbol's feed state, reason and reason text when not live with none.
    let feedStates = Mutex<[String: (String, String, String)]>([:])
    let feed = AccountFeed(store: AccountStateStore(), broadcaster: AccountBroadcaster())

    var symbols: [String] { ["AAA", "BBB"] }
    func sample() -> EngineSample {
        var s = EngineSample()
        s.nowNs = Int64(Date().timeIntervalSince1970 * 1e9)
        s.startedNs = s.nowNs - 5_000_000_000
        let overrides = feedStates.withLock { $0 }
        s.feeds = symbols.map {
            guard let (state, reason, text) = overrides[$0] else {
                return FeedSample(symbol: $0, venue: "test", state: "live", connected: true)
            }
            var f = FeedSample(symbol: $0, venue: "test", state: state, connected: true)
            (f.reason, f.reasonText) = (reason, text)
            return f
        }
        return s
    }
    func status() -> JSONValue { ["state": "live", "instance": "fake"] }
    func book(symbol: String, depth: Int) -> JSONValue? { books.withLock { $0[symbol] } }
    func orders(openOnly: Bool) -> [JSONValue] { [] }
    func strategies() -> JSONValue? { nil }
    func alerts(limit: Int) -> [JSONValue] { [] }
    var account: AccountFeed? { feed }
    func perform(_ command: ControlCommand) async -> ControlAnswer {
        commands.withLock { $0.append(command) }
        return ControlAnswer(status: 200, body: ["done": true])
    }
}

/// A control server on a free loopback port for one test.
struct RunningServer {
    let server: ControlServer
    let source: FakeSource
    let port: Int
    let group: ServiceGroup
    let task: Task<Void, Never>

    static func start(_ configure: (inout ControlSettings) -> Void = { _ in }) async throws -> RunningServer {
        var settings = ControlSettings(token: "0123456789abcdef0123")
        settings.port = 0
        settings.tuiIntervalMs = 20
        settings.webIntervalMs = 20
        settings.sampleIntervalMs = 10
        configure(&settings)
        var logger = Logger(label: "ControlServerTests")
        logger.logLevel = .warning
        let source = FakeSource()
        let server = ControlServer(source: source, settings: settings, logger: logger)
        let group = ServiceGroup(configuration: .init(services: server.services(), logger: logger))
        let task = Task { _ = try? await group.run() }
        let port = await server.port()
        try #require(port > 0)
        return RunningServer(server: server, source: source, port: port, group: group, task: task)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        await task.value
    }

    /// One request: status and body.
    func request(_ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], body: String? = nil)
        async throws
        -> (status: Int, body: String)
    {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: bytes))
    }

    /// Upgrades to `path` on a plain socket and returns everything the server sends until it
    /// closes (or 10 s pass), as text (frame headers included).
    func rawUpgrade(_ path: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(connected == 0)
        let request = Array(
            ("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8)
        _ = request.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            received += buffer[..<n]
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// A WebSocket: collects text messages until `until` says enough (or 10 s), sending `send` after the first.
    func stream(_ path: String, send: String? = nil, until: @escaping @Sendable ([String]) -> Bool) async throws
        -> [String]
    {
        let inbox = Mutex<[String]>([])
        var logger = Logger(label: "ControlServerTests")
        logger.logLevel = .warning
        _ = try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)\(path)", logger: logger) {
            inbound, outbound, _ in
            let deadline = ContinuousClock.now + .seconds(10)
            for try await message in inbound.messages(maxSize: 1 << 20) {
                guard case .text(let text) = message else { continue }
                let all = inbox.withLock {
                    $0.append(text); return $0
                }
                if all.count == 1, let send { try await outbound.write(.text(send)) }
                if until(all) || ContinuousClock.now > deadline { break }
            }
            try? await outbound.close(.normalClosure, reason: nil)
        }
        return inbox.withLock { $0 }
    }
}

func object(_ text: String) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
}

@Suite struct ControlServerTests {
    @Test func readsAreOpenAndChangesNeedTheWholeToken() async throws {
        let s = try await RunningServer.start()
        let status = try await s.request(.GET, "/api/status")
        #expect(status.status == 200 && object(status.body)["instance"] as? String == "fake")
        let order = #"{"symbol":"AAA","side":"buy","quantity":"1","price":"1.00"}"#
        #expect(try await s.request(.POST, "/api/orders", body: order).status == 401)
        #expect(
            try await s.request(
                .POST, "/api/orders", headers: [("Authorization", "Bearer 0123456789abcdef012")], body: order
            ).status == 401)
        #expect(
            try await s.request(
                .POST, "/api/orders", headers: [("Authorization", "Basic 0123456789abcdef0123")], body: order
            ).status == 401)
        #expect(s.source.commands.withLock { $0.isEmpty })
        let auth = [("Authorization", "Bearer 0123456789abcdef0123")]
        #expect(try await s.request(.POST, "/api/orders", headers: auth, body: order).status == 200)
        #expect(try await s.request(.POST, "/api/orders", headers: auth, body: "[1,2]").status == 400)
        // (Refused on its Content-Length without reading the body: the connection is not reused.)
        let oversized = String(repeating: "x", count: 17_000)
        let close = auth + [("Connection", "close")]
        #expect(try await s.request(.POST, "/api/orders", headers: close, body: oversized).status == 413)
        #expect(
            try await s.request(.POST, "/api/risk/halt", headers: auth, body: #"{"reason":"\u0001"}"#).status == 400)
        #expect(try await s.request(.POST, "/api/risk/halt", headers: auth).status == 200)
        #expect(try await s.request(.GET, "/api/status", headers: [("Host", "attacker.example:8780")]).status == 421)
        #expect(try await s.request(.GET, "/api/books/AAA?depth=abc").status == 400)
        #expect(try await s.request(.GET, "/api/alerts?limit=-1").status == 400)
        let commands = s.source.commands.withLock { $0 }
        #expect(
            commands == [
                .place(OrderForm(symbol: "AAA", side: "buy", quantity: "1", price: "1.00")),
                .risk(action: "halt", reason: "by an operator (control plane)"),
            ])
        await s.stop()
    }

    @Test func theDashboardSendsFullStateThenOnlyWhatChangedForItsSymbols() async throws {
        let s = try await RunningServer.start()
        let source = s.source
        let moved = Atomic<Bool>(false)
        let messages = try await s.stream(
            "/ws/dashboard?client=tui", send: #"{"action":"subscribe","types":["ORDERBOOK_UPDATE"],"symbols":["BBB"]}"#
        ) { all in
            // The subscription answers with BBB's book alone; then move both books: only BBB's may come.
            let subscribed = all.contains {
                let data = object($0)["data"] as? [String: Any]
                return object($0)["type"] as? String == "ORDERBOOK_UPDATE" && data?["BBB"] != nil && data?["AAA"] == nil
            }
            if subscribed, moved.exchange(true, ordering: .relaxed) == false {
                source.books.withLock {
                    $0["AAA"] = ["symbol": "AAA", "bids": [["1.10", "1"]], "asks": [["1.11", "1"]]]
                    $0["BBB"] = ["symbol": "BBB", "bids": [["2.10", "1"]], "asks": [["2.12", "1"]]]
                }
            }
            return all.contains {
                object($0)["type"] as? String == "ORDERBOOK_UPDATE"
                    && ((object($0)["data"] as? [String: Any])?["BBB"] as? [String: Any])?["bids"] as? [[String]] == [
                        ["2.10", "1"]
                    ]
            }
        }
        let parsed = messages.map(object)
        #expect(parsed.first?["type"] as? String == "FULL_STATE")
        let updates = parsed.dropFirst().filter { $0["type"] as? String == "ORDERBOOK_UPDATE" }
        #expect(!updates.isEmpty)
        for update in updates {
            #expect((update["data"] as? [String: Any])?["AAA"] == nil, "a book it did not subscribe to: \(update)")
        }
        #expect(
            parsed.dropFirst(2).allSatisfy { ["ORDERBOOK_UPDATE", "HEARTBEAT"].contains($0["type"] as? String ?? "") })
        await s.stop()
    }

    @Test func healthSaysWhyASymbolIsNotLive() async throws {
        let s = try await RunningServer.start()
        s.source.feedStates.withLock {
            $0["BBB"] = ("syncing", "snapshot_failed", "the snapshot request failed with HTTP status 503")
        }
        s.server.hub.refresh()
        let health = object(try await s.request(.GET, "/health").body)
        let symbols = health["symbols"] as? [[String: Any]] ?? []
        let bbb = symbols.first { $0["symbol"] as? String == "BBB" }, aaa = symbols.first { $0["symbol"] as? String == "AAA" }
        #expect(health["status"] as? String == "degraded", "\(health)")
        #expect(bbb?["state"] as? String == "syncing" && bbb?["reason"] as? String == "snapshot_failed", "\(health)")
        let text = bbb?["reason_text"] as? String ?? ""
        #expect(text.contains("HTTP status 503"), "\(health)")
        #expect(aaa?["reason"] as? String == "none" && aaa?["reason_text"] as? String == "", "\(health)")
        await s.stop()
    }

    @Test func clientsBeyondMaxClientsAreRefused() async throws {
        let s = try await RunningServer.start { $0.maxClients = 1 }
        let holding = Task { try await s.stream("/ws/dashboard") { _ in false } }
        #expect(await eventually { s.server.metrics.render().contains(#"websocket_clients_connected{type="web"} 1"#) })
        // (A raw socket: the server answers and closes right after the upgrade, and the whole
        // exchange is read back byte for byte.)
        let refused = try s.rawUpgrade("/ws/dashboard")
        #expect(refused.contains("HTTP/1.1 101"), "\(refused)")
        #expect(refused.contains(#""type":"ERROR""#) && refused.contains("1 clients already"), "\(refused)")
        // A plain GET says what the path is.
        #expect(try await s.request(.GET, "/ws/dashboard").status == 426)
        holding.cancel()
        await s.stop()
    }

    @Test func anAccountClientThatFallsBehindIsDroppedAndCounted() async throws {
        let s = try await RunningServer.start { $0.streamQueueCapacity = 8 }
        let feed = s.source.feed
        let messages = try await s.stream("/api/account/stream") { all in
            if all.count == 1 {
                // More changes at once than the client's queue holds.
                let changes = (0..<50).map { i in AccountChange.heartbeat(ns: Int64(i)) }
                feed.broadcaster.publish(changes, version: 1)
            }
            return false
        }
        #expect(object(messages.first ?? "")["topic"] as? String == "snapshot")
        #expect(s.server.metrics.render().contains("control_stream_clients_dropped_total 1"))
        await s.stop()
    }

    func eventually(_ condition: @escaping () -> Bool) async -> Bool {
        for _ in 0..<200 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(25))
        }
        return false
    }
}

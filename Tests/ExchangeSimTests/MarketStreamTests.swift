import ExchangeSim
import Foundation
import HummingbirdTesting
import HummingbirdWSClient
import Logging
import Testing

/// Received WebSocket text messages, in arrival order, shared between the reading task and the test.
final class StreamInbox: @unchecked Sendable {
    private let lock = NSLock()
    private var texts: [String] = []

    func append(_ text: String) {
        lock.lock()
        texts.append(text)
        lock.unlock()
    }

    /// Everything received so far, parsed.
    var messages: [[String: Any]] {
        lock.lock()
        let copy = texts
        lock.unlock()
        return copy.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
    }

    /// Waits up to `seconds` for a message satisfying `match`; returns it.
    func first(within seconds: Double = 5, where match: ([String: Any]) -> Bool) async throws -> [String: Any]? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let found = messages.first(where: match) { return found }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }
}

/// A running server, its HTTP test client and its port, for WebSocket tests.
struct SimStreams: Sendable {
    let http: SimHTTP
    let port: Int
    let server: ExchangeSimServer

    static func with(
        _ configuration: ExchangeSimServer.Configuration, _ body: @escaping @Sendable (SimStreams) async throws -> Void
    ) async throws {
        let server = try ExchangeSimServer(configuration: configuration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let port = await server.port()
            try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                try await body(SimStreams(http: SimHTTP(client: client), port: port, server: server))
            }
            group.cancelAll()
        }
    }

    /// Connects to `path`, collects every text message into an inbox, and runs `body` with the
    /// inbox and a sender; closes the socket when `body` returns.
    func connect(
        _ path: String,
        _ body: @escaping @Sendable (StreamInbox, @escaping @Sendable (String) async throws -> Void) async throws -> Void
    ) async throws {
        let inbox = StreamInbox()
        var logger = Logger(label: "MarketStreamTests")
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
                try await body(inbox) { text in try await outbound.write(.text(text)) }
                try await outbound.close(.normalClosure, reason: nil)
                try await group.waitForAll()
            }
        }
    }
}

/// A local order book kept from a snapshot and diffs, the way Binance documents it.
struct StreamBook {
    var bids: [Decimal: Decimal] = [:]
    var asks: [Decimal: Decimal] = [:]
    var lastUpdateId: Int64

    init(snapshot: [String: Any]) {
        lastUpdateId = (snapshot["lastUpdateId"] as? NSNumber)?.int64Value ?? -1
        apply(bids: snapshot["bids"], asks: snapshot["asks"])
    }

    mutating func apply(bids newBids: Any?, asks newAsks: Any?) {
        for (levels, isBid) in [(newBids, true), (newAsks, false)] {
            for level in levels as? [[String]] ?? [] {
                let price = Decimal(string: level[0])!
                let quantity = Decimal(string: level[1])!
                if isBid { bids[price] = quantity == 0 ? nil : quantity } else { asks[price] = quantity == 0 ? nil : quantity }
            }
        }
    }

    var bestBid: (Decimal, Decimal)? { bids.max { $0.key < $1.key }.map { ($0.key, $0.value) } }
    var bestAsk: (Decimal, Decimal)? { asks.min { $0.key < $1.key }.map { ($0.key, $0.value) } }
}

private func int64(_ value: Any?) -> Int64 { (value as? NSNumber)?.int64Value ?? -1 }

@Suite("Market-data WebSocket streams")
struct MarketStreamTests {
    @Test("Snapshot + @depth@100ms diffs on /stream keep a local book equal to the venue's; bookTickers agree")
    func localBookFollowsVenue() async throws {
        var configuration = SimHTTP.quiet()
        configuration.participantIntervalMillis = 20
        try await SimStreams.with(configuration) { sim in
            try await sim.connect("/stream?streams=btcusdt@depth@100ms/btcusdt@bookTicker") { inbox, _ in
                // Let the subscription see a window or two before the snapshot (as a client buffers).
                try await Task.sleep(for: .milliseconds(250))
                let snapshot = try await sim.http.send(
                    .get, "/api/v3/depth", query: [("symbol", "BTCUSDT"), ("limit", "5000")])
                #expect(snapshot.status == 200)
                try await Task.sleep(for: .seconds(3))
                await sim.server.setParticipantsPaused(true)
                try await Task.sleep(for: .milliseconds(400))
                let final = try await sim.http.send(
                    .get, "/api/v3/depth", query: [("symbol", "BTCUSDT"), ("limit", "5000")]).object
                let target = int64(final["lastUpdateId"])
                let caughtUp = try await inbox.first {
                    ($0["data"] as? [String: Any]).map { $0["e"] as? String == "depthUpdate" && int64($0["u"]) >= target }
                        ?? false
                }
                #expect(caughtUp != nil, "no diff reached the final snapshot's id \(target)")

                var book = StreamBook(snapshot: snapshot.object)
                let initial = book.lastUpdateId
                var tickers: [Int64: [String: Any]] = [:]
                var applied = 0
                var tickerChecks = 0
                for message in inbox.messages {
                    let stream = message["stream"] as? String
                    guard let data = message["data"] as? [String: Any] else { continue }
                    if stream == "btcusdt@bookTicker" {
                        #expect(data["s"] as? String == "BTCUSDT")
                        tickers[int64(data["u"])] = data
                        continue
                    }
                    #expect(stream == "btcusdt@depth@100ms")
                    #expect(data["e"] as? String == "depthUpdate" && data["s"] as? String == "BTCUSDT")
                    let first = int64(data["U"])
                    let last = int64(data["u"])
                    #expect(first <= last)
                    if last <= initial { continue }
                    if applied == 0 {
                        #expect(first <= initial + 1 && initial + 1 <= last, "first diff \(first)...\(last) vs \(initial)")
                    } else {
                        #expect(first == book.lastUpdateId + 1, "gap: \(first) after \(book.lastUpdateId)")
                    }
                    book.apply(bids: data["b"], asks: data["a"])
                    book.lastUpdateId = last
                    applied += 1
                    if let ticker = tickers[last] {
                        tickerChecks += 1
                        let bid = book.bestBid
                        let ask = book.bestAsk
                        #expect(Decimal(string: ticker["b"] as? String ?? "") == bid?.0)
                        #expect(Decimal(string: ticker["B"] as? String ?? "") == bid?.1)
                        #expect(Decimal(string: ticker["a"] as? String ?? "") == ask?.0)
                        #expect(Decimal(string: ticker["A"] as? String ?? "") == ask?.1)
                    }
                    if last >= target { break }
                }
                #expect(applied > 10, "only \(applied) diffs applied")
                #expect(tickerChecks > 0, "no bookTicker shared a diff's u")
                #expect(book.lastUpdateId == target)
                let expected = StreamBook(snapshot: final)
                #expect(book.bids == expected.bids)
                #expect(book.asks == expected.asks)
                #expect(!book.bids.isEmpty && !book.asks.isEmpty)
            }
        }
    }

    @Test("SUBSCRIBE / LIST_SUBSCRIPTIONS / UNSUBSCRIBE round trip on /ws")
    func subscriptionRoundTrip() async throws {
        try await SimStreams.with(SimHTTP.quiet()) { sim in
            try await sim.connect("/ws") { inbox, send in
                func reply(_ id: Int) async throws -> [String: Any]? {
                    try await inbox.first { int64($0["id"]) == Int64(id) }
                }
                try await send(#"{"method":"SUBSCRIBE","params":["btcusdt@trade","btcusdt@bookTicker"],"id":1}"#)
                let subscribed = try #require(try await reply(1))
                #expect(subscribed.keys.contains("result") && subscribed["result"] is NSNull)
                try await send(#"{"method":"LIST_SUBSCRIPTIONS","id":2}"#)
                #expect(try await reply(2)?["result"] as? [String] == ["btcusdt@trade", "btcusdt@bookTicker"])
                try await send(#"{"method":"UNSUBSCRIBE","params":["btcusdt@bookTicker"],"id":3}"#)
                #expect(try await reply(3)?["result"] is NSNull)
                try await send(#"{"method":"LIST_SUBSCRIPTIONS","id":4}"#)
                #expect(try await reply(4)?["result"] as? [String] == ["btcusdt@trade"])
                try await send(#"{"method":"SUBSCRIBE","params":["btcusdt@nothing"],"id":5}"#)
                let refused = try #require(try await reply(5))
                #expect((refused["error"] as? [String: Any])?["code"] as? Int == 2)
            }
        }
    }

    @Test("A crossing REST order shows up on <symbol>@trade")
    func tradeStream() async throws {
        try await SimStreams.with(SimHTTP.quiet()) { sim in
            try await sim.connect("/ws/btcusdt@trade") { inbox, _ in
                try await Task.sleep(for: .milliseconds(100))
                let placed = try await sim.http.send(
                    .post, "/api/v3/order",
                    body: [("symbol", "BTCUSDT"), ("side", "BUY"), ("type", "MARKET"), ("quantity", "0.0002")],
                    signed: true)
                #expect(placed.status == 200)
                let trade = try #require(try await inbox.first { $0["e"] as? String == "trade" })
                let keys = ["e", "E", "s", "t", "p", "q", "T", "m", "M"]
                #expect(Set(trade.keys) == Set(keys))
                #expect(trade["s"] as? String == "BTCUSDT")
                #expect(trade["m"] as? Bool == false)
                let fills = placed.object["fills"] as? [[String: Any]] ?? []
                #expect(fills.contains { $0["price"] as? String == trade["p"] as? String })
                let recent = try await sim.http.send(.get, "/api/v3/trades", query: [("symbol", "BTCUSDT")]).array
                #expect(recent.contains { int64($0["id"]) == int64(trade["t"]) })
            }
        }
    }
}

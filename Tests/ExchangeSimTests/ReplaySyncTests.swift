import ExchangeSim
import Foundation
import Testing

/// A client-side book kept by Binance's documented procedure: snapshot, then the buffered and
/// live diffs (spot: drop `u <= lastUpdateId`, the first kept has `U <= id + 1 <= u`, then
/// each `U` = previous `u` + 1; USD-M: drop `u < lastUpdateId`, the first kept has
/// `U <= id <= u`, then each `pu` = previous `u`).
struct ProcedureBook {
    var bids: [String: String] = [:]
    var asks: [String: String] = [:]
    var id: Int64
    let futures: Bool
    var synced = false
    var gaps = 0
    var applied = 0

    init(snapshot: [String: Any], futures: Bool) {
        id = Self.int(snapshot["lastUpdateId"])
        self.futures = futures
        for level in snapshot["bids"] as? [[String]] ?? [] { bids[level[0]] = level[1] }
        for level in snapshot["asks"] as? [[String]] ?? [] { asks[level[0]] = level[1] }
    }

    /// Applies one diff event; false when it was dropped as stale.
    mutating func apply(_ event: [String: Any]) -> Bool {
        let first = Self.int(event["U"])
        let last = Self.int(event["u"])
        if !synced {
            if futures ? last < id : last <= id { return false }
            let fits = futures ? (first <= id && id <= last) : (first <= id + 1 && id + 1 <= last)
            if !fits { gaps += 1 }
            synced = true
        } else if futures ? Self.int(event["pu"]) != id : first != id + 1 {
            gaps += 1
        }
        for level in event["b"] as? [[String]] ?? [] { bids[level[0]] = Self.isZero(level[1]) ? nil : level[1] }
        for level in event["a"] as? [[String]] ?? [] { asks[level[0]] = Self.isZero(level[1]) ? nil : level[1] }
        id = last
        applied += 1
        return true
    }

    /// The best bid and ask, as (price, quantity) texts.
    var top: (bid: (String, String)?, ask: (String, String)?) {
        let bid = bids.max { Double($0.key)! < Double($1.key)! }
        let ask = asks.min { Double($0.key)! < Double($1.key)! }
        return (bid.map { ($0.key, $0.value) }, ask.map { ($0.key, $0.value) })
    }

    static func isZero(_ text: String) -> Bool { Double(text) == 0 }

    static func int(_ value: Any?) -> Int64 { (value as? NSNumber)?.int64Value ?? -1 }
}

@Suite("Book sync against a replay")
struct ReplaySyncTests {
    /// Keeps a book from `snapshot` and the stream `messages`; returns it and how many
    /// bookTickers matched its top after the diff with the ticker's `u` (and how many did not).
    static func follow(
        snapshot: [String: Any], messages: [String], futures: Bool
    ) -> (book: ProcedureBook, matched: Int, mismatched: Int) {
        var book = ProcedureBook(snapshot: snapshot, futures: futures)
        var tickers: [Int64: [String: Any]] = [:]
        var matched = 0
        var mismatched = 0
        func check(_ ticker: [String: Any]) {
            let top = book.top
            let same = top.bid?.0 == ticker["b"] as? String && top.bid?.1 == ticker["B"] as? String
                && top.ask?.0 == ticker["a"] as? String && top.ask?.1 == ticker["A"] as? String
            if same { matched += 1 } else { mismatched += 1 }
        }
        for text in messages {
            guard let envelope = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                let stream = envelope["stream"] as? String, let data = envelope["data"] as? [String: Any]
            else { continue }
            if stream.hasSuffix("@bookTicker") {
                let u = ProcedureBook.int(data["u"])
                if book.synced && book.id == u { check(data) } else { tickers[u] = data }
            } else if stream.contains("@depth") {
                if book.apply(data), let ticker = tickers.removeValue(forKey: book.id) { check(ticker) }
            }
        }
        return (book, matched, mismatched)
    }

    /// A JSON object as text (to hand it to a `@Sendable` closure), and back.
    static func text(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("Snapshot + diffs at the start and mid-replay end equal to the replay book; bookTickers match its top")
    func spotProcedure() async throws {
        // ×20: slow enough that the late client still joins mid-replay on a loaded machine.
        let configuration = try ReplayServer.configuration([ReplayData.hftbacktest], speed: .multiplier(20))
        let path = "/stream?streams=btcusdt@depth@100ms/btcusdt@bookTicker"
        try await ReplayServer.with(configuration) { server in
            let depthQuery = [("symbol", "BTCUSDT"), ("limit", "5000")]
            try await server.connect(path) { early in
                let firstText = try await Self.text(server.http.send(.get, "/api/v3/depth", query: depthQuery).object)
                try await Task.sleep(for: .milliseconds(1500))
                try await server.connect(path) { late in
                    let first = try Self.object(firstText)
                    let second = try await server.http.send(.get, "/api/v3/depth", query: depthQuery).object
                    // Mid-replay the answer is the replayed book, past the recorded snapshot.
                    #expect(ProcedureBook.int(second["lastUpdateId"]) > 50_093_239_218)
                    let finished = try await server.waitFor(state: "finished", seconds: 10)
                    #expect(finished["state"] as? String == "finished")
                    try await Task.sleep(for: .milliseconds(200))
                    let final = try await server.http.send(.get, "/api/v3/depth", query: depthQuery).object
                    let finalBook = ProcedureBook(snapshot: final, futures: false)
                    #expect(finalBook.bids.count < 5000 && finalBook.asks.count < 5000)
                    for (name, snapshot, inbox) in [("early", first, early), ("late", second, late)] {
                        // Queued is not yet received on a loaded machine: wait for the last diff.
                        let caughtUp = try await inbox.wait(until: "\"u\":\(finalBook.id),")
                        #expect(caughtUp, "\(name) never received the last diff")
                        let (book, matched, mismatched) = Self.follow(
                            snapshot: snapshot, messages: inbox.received, futures: false)
                        #expect(book.gaps == 0, "\(name): \(book.gaps) gaps")
                        #expect(book.id == finalBook.id, "\(name)")
                        #expect(book.bids == finalBook.bids, "\(name): bids differ")
                        #expect(book.asks == finalBook.asks, "\(name): asks differ")
                        #expect(mismatched == 0, "\(name): \(mismatched) bookTickers differ from the top")
                        let tickers = inbox.received.filter { $0.contains("@bookTicker") }.count
                        #expect(
                            matched > (name == "early" ? 100 : 20),
                            "\(name): \(matched) bookTickers checked of \(tickers), \(book.applied) diffs applied")
                    }
                }
            }
        }
    }

    @Test("USD-M: the recorded snapshot (with E and T) then the pu chain rebuild the replay book")
    func futuresProcedure() async throws {
        let configuration = try ReplayServer.configuration(ReplayData.cryptofeedFutures, speed: .multiplier(20))
        let path = "/fstream/stream?streams=sushiusdt@depth@100ms/sushiusdt@bookTicker"
        try await ReplayServer.with(configuration) { server in
            let query = [("symbol", "SUSHIUSDT"), ("limit", "1000")]
            try await server.connect(path) { inbox in
                let snapshot = try await server.http.send(.get, "/fapi/v1/depth", query: query).object
                #expect(ProcedureBook.int(snapshot["lastUpdateId"]) >= 600_859_605_926)
                #expect(snapshot["E"] is NSNumber && snapshot["T"] is NSNumber)
                let finished = try await server.waitFor(state: "finished", seconds: 10)
                #expect(finished["state"] as? String == "finished")
                try await Task.sleep(for: .milliseconds(200))
                let final = ProcedureBook(
                    snapshot: try await server.http.send(.get, "/fapi/v1/depth", query: query).object, futures: true)
                let caughtUp = try await inbox.wait(until: "\"u\":\(final.id),")
                #expect(caughtUp)
                let (book, matched, mismatched) = Self.follow(
                    snapshot: snapshot, messages: inbox.received, futures: true)
                #expect(book.gaps == 0)
                #expect(book.applied > 100)
                #expect(book.id == final.id)
                // The answer is capped at 1000 levels a side; compare what it shows.
                #expect(final.bids.allSatisfy { book.bids[$0.key] == $0.value })
                #expect(final.asks.allSatisfy { book.asks[$0.key] == $0.value })
                #expect(mismatched == 0 && matched > 0, "\(matched) matched, \(mismatched) differ")
            }
        }
    }
}

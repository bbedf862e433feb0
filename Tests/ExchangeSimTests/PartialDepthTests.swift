import ExchangeSim
import Foundation
import Testing

@testable import ExchangeSim

/// Partial book streams (`@depth5/10/20[@100ms]`) and `@aggTrade`.
@Suite("Partial depth and aggTrade streams", .timeLimit(.minutes(1)))
struct PartialDepthTests {
    @Test("Stream names: depth5/10/20 with an optional @100ms or @1000ms, aggTrade")
    func names() {
        #expect(StreamName("btcusdt@depth5")?.kind == .partialDepth(levels: 5, intervalMillis: 1000))
        #expect(StreamName("btcusdt@depth10@100ms")?.kind == .partialDepth(levels: 10, intervalMillis: 100))
        #expect(StreamName("btcusdt@depth20@1000ms")?.kind == .partialDepth(levels: 20, intervalMillis: 1000))
        #expect(StreamName("btcusdt@aggTrade")?.kind == .aggTrade)
        for bad in ["btcusdt@depth7", "btcusdt@depth5@250ms", "btcusdt@depth05", "btcusdt@depth5@", "btcusdt@aggtrade"]
        {
            #expect(StreamName(bad) == nil, "\(bad)")
        }
    }

    @Test("@depth5@100ms and @depth10 on /stream: Binance's shape, the REST book's top levels, at their pace")
    func partialBooks() async throws {
        try await SimStreams.with(movingConfiguration()) { sim in
            try await sim.connect("/stream?streams=btcusdt@depth5@100ms/btcusdt@depth10") { inbox, _ in
                // Pace without wall-clock bounds (the machine may be loaded): both streams tick
                // on one 100 ms schedule, so 10 @100ms books precede each @1000ms one.
                func stream(_ message: [String: Any]) -> String { message["stream"] as? String ?? "" }
                _ = try await inbox.first(within: 15) { _ in
                    inbox.messages.filter { stream($0) == "btcusdt@depth10" }.count >= 2
                }
                let messages = inbox.messages
                let secondSlow = try #require(
                    messages.indices.filter { stream(messages[$0]) == "btcusdt@depth10" }.dropFirst().first)
                let fast = messages.filter { stream($0) == "btcusdt@depth5@100ms" }
                let slow = messages.filter { stream($0) == "btcusdt@depth10" }
                let fastBefore = messages[..<secondSlow].filter { stream($0) == "btcusdt@depth5@100ms" }.count
                #expect(fastBefore == 20, "\(fastBefore) @100ms books before the second @1000ms one")
                for (message, levels) in [(fast.last, 5), (slow.last, 10)] {
                    let data = try #require(message?["data"] as? [String: Any])
                    #expect(Set(data.keys) == ["lastUpdateId", "bids", "asks"])
                    #expect((data["bids"] as? [[String]])?.count == levels)
                    #expect((data["asks"] as? [[String]])?.count == levels)
                }

                await sim.server.setParticipantsPaused(true)
                try await Task.sleep(for: .milliseconds(300))
                let rest = try await sim.http.send(
                    .get, "/api/v3/depth", query: [("symbol", "BTCUSDT"), ("limit", "5")])
                let target = int64(of: rest.object["lastUpdateId"])
                let latest = try await inbox.first(within: 10) {
                    stream($0) == "btcusdt@depth5@100ms"
                        && int64(of: ($0["data"] as? [String: Any])?["lastUpdateId"]) == target
                }
                let book = try #require(latest?["data"] as? [String: Any], "no book at the REST snapshot's id")
                #expect(int64(of: book["lastUpdateId"]) == int64(of: rest.object["lastUpdateId"]))
                #expect(book["bids"] as? [[String]] == rest.object["bids"] as? [[String]])
                #expect(book["asks"] as? [[String]] == rest.object["asks"] as? [[String]])
            }
        }
    }

    @Test("A crossing order shows up on @aggTrade with Binance's fields")
    func aggTrade() async throws {
        try await SimStreams.with(SimHTTP.quiet()) { sim in
            try await sim.connect("/ws") { inbox, send in
                try await send(#"{"method":"SUBSCRIBE","params":["btcusdt@aggTrade","btcusdt@trade"],"id":1}"#)
                _ = try await inbox.first { int64(of: $0["id"]) == 1 }
                let placed = try await sim.http.send(
                    .post, "/api/v3/order",
                    body: [("symbol", "BTCUSDT"), ("side", "BUY"), ("type", "MARKET"), ("quantity", "0.0002")],
                    signed: true)
                #expect(placed.status == 200)
                let agg = try #require(try await inbox.first { $0["e"] as? String == "aggTrade" })
                let trade = try #require(try await inbox.first { $0["e"] as? String == "trade" })
                #expect(Set(agg.keys) == ["e", "E", "s", "a", "p", "q", "f", "l", "T", "m", "M"])
                #expect(agg["s"] as? String == "BTCUSDT" && agg["m"] as? Bool == false)
                #expect(int64(of: agg["f"]) == int64(of: trade["t"]) && int64(of: agg["l"]) == int64(of: agg["f"]))
                #expect(agg["p"] as? String == trade["p"] as? String && agg["q"] as? String == trade["q"] as? String)
            }
        }
    }
}

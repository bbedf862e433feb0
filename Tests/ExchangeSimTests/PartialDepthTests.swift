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
        for bad in ["btcusdt@depth7", "btcusdt@depth5@250ms", "btcusdt@depth05", "btcusdt@depth5@", "btcusdt@aggtrade"] {
            #expect(StreamName(bad) == nil, "\(bad)")
        }
    }

    @Test("@depth5@100ms and @depth10 on /stream: Binance's shape, the REST book's top levels, at their pace")
    func partialBooks() async throws {
        try await SimStreams.with(movingConfiguration()) { sim in
            try await sim.connect("/stream?streams=btcusdt@depth5@100ms/btcusdt@depth10") { inbox, _ in
                try await Task.sleep(for: .milliseconds(2100))
                let messages = inbox.messages
                let fast = messages.filter { $0["stream"] as? String == "btcusdt@depth5@100ms" }
                let slow = messages.filter { $0["stream"] as? String == "btcusdt@depth10" }
                #expect((15...22).contains(fast.count), "\(fast.count) @100ms books in 2.1 s")
                #expect((1...3).contains(slow.count), "\(slow.count) @1000ms books in 2.1 s")
                for (message, levels) in [(fast.last, 5), (slow.last, 10)] {
                    let data = try #require(message?["data"] as? [String: Any])
                    #expect(Set(data.keys) == ["lastUpdateId", "bids", "asks"])
                    #expect((data["bids"] as? [[String]])?.count == levels)
                    #expect((data["asks"] as? [[String]])?.count == levels)
                }

                await sim.server.setParticipantsPaused(true)
                try await Task.sleep(for: .milliseconds(300))
                let rest = try await sim.http.send(.get, "/api/v3/depth", query: [("symbol", "BTCUSDT"), ("limit", "5")])
                try await Task.sleep(for: .milliseconds(300))
                let latest = inbox.messages.last { $0["stream"] as? String == "btcusdt@depth5@100ms" }
                let book = try #require(latest?["data"] as? [String: Any])
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

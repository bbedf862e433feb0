import ExchangeSim
import Foundation
import Testing

@Suite("USD-M futures market data")
struct FuturesTests {
    @Test("ping, time, exchangeInfo and depth have Binance's futures shapes and weights")
    func restShapes() async throws {
        try await SimHTTP.with { http in
            let ping = try await http.send(.get, "/fapi/v1/ping")
            #expect(ping.status == 200 && ping.object.isEmpty)
            let time = try await http.send(.get, "/fapi/v1/time").object
            #expect((time["serverTime"] as? Int ?? 0) > 1_600_000_000_000)

            let info = try await http.send(.get, "/fapi/v1/exchangeInfo").object
            #expect(info["futuresType"] as? String == "U_MARGINED")
            #expect((info["rateLimits"] as? [[String: Any]])?.first?["limit"] as? Int == 2400)
            let symbols = info["symbols"] as? [[String: Any]] ?? []
            let btc = try #require(symbols.first { $0["symbol"] as? String == "BTCUSDT" })
            #expect(btc["contractType"] as? String == "PERPETUAL")
            #expect(btc["marginAsset"] as? String == "USDT" && btc["pricePrecision"] as? Int == 1)
            let filters = btc["filters"] as? [[String: Any]] ?? []
            let types = filters.compactMap { $0["filterType"] as? String }
            #expect(types.starts(with: ["PRICE_FILTER", "LOT_SIZE", "MARKET_LOT_SIZE"]))
            #expect(filters.first { $0["filterType"] as? String == "MIN_NOTIONAL" }?["notional"] as? String == "100")
            #expect(filters.first { $0["filterType"] as? String == "PRICE_FILTER" }?["tickSize"] as? String == "0.1")

            // The weight each call adds (the limiter counts per calendar minute: one may roll over).
            func used(_ answer: SimHTTP.Answer) -> Int { Int(answer.header("X-MBX-USED-WEIGHT-1M") ?? "") ?? -1 }
            func added(_ after: Int, _ before: Int, _ weight: Int) -> Bool {
                after == before + weight || after == weight
            }
            let before = used(try await http.send(.get, "/fapi/v1/ping"))
            let depth = try await http.send(.get, "/fapi/v1/depth", query: [("symbol", "BTCUSDT"), ("limit", "5")])
            #expect(added(used(depth), before, 2), "limit 5: \(before) → \(used(depth))")
            let object = depth.object
            #expect(object["lastUpdateId"] is NSNumber && object["E"] is NSNumber && object["T"] is NSNumber)
            let bids = object["bids"] as? [[String]] ?? []
            #expect(bids.count == 5 && (object["asks"] as? [[String]])?.count == 5)
            // Futures prices are written at the contract's precision (tick 0.1), not 8 decimals.
            #expect(bids.allSatisfy { $0[0].split(separator: ".").last?.count == 1 })
            let deep = try await http.send(.get, "/fapi/v1/depth", query: [("symbol", "BTCUSDT"), ("limit", "1000")])
            #expect(added(used(deep), used(depth), 20), "limit 1000: \(used(depth)) → \(used(deep))")
            // Futures weight is counted apart from spot's.
            let spot = used(try await http.send(.get, "/api/v3/ping"))
            #expect(spot < used(deep))
            let unknown = try await http.send(.get, "/fapi/v1/depth", query: [("symbol", "NOPEUSDT")])
            #expect(unknown.status == 400 && unknown.code == -1121)
        }
    }

    @Test("The futures diff stream carries E, T and a continuous pu chain; bookTicker has u, E and T")
    func liveStreams() async throws {
        var configuration = SimHTTP.quiet()
        configuration.participantIntervalMillis = 20
        configuration.warmUpSteps = 50
        try await ReplayServer.with(configuration) { server in
            let path = "/fstream/stream?streams=btcusdt@depth@100ms/btcusdt@depth/btcusdt@bookTicker"
            try await server.connect(path) { inbox in
                try await Task.sleep(for: .milliseconds(2500))
                var last: [String: Int64] = [:]
                var depthCount = 0
                var tickers = 0
                for text in inbox.received {
                    let envelope = try #require(
                        try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
                    let stream = try #require(envelope["stream"] as? String)
                    let data = try #require(envelope["data"] as? [String: Any])
                    #expect(data["E"] is NSNumber && data["T"] is NSNumber)
                    if stream.hasSuffix("@bookTicker") {
                        #expect(data["e"] as? String == "bookTicker" && data["u"] is NSNumber)
                        tickers += 1
                        continue
                    }
                    #expect(data["e"] as? String == "depthUpdate")
                    let u = ProcedureBook.int(data["u"])
                    let pu = ProcedureBook.int(data["pu"])
                    #expect(ProcedureBook.int(data["U"]) <= u)
                    if let previous = last[stream] {
                        #expect(pu == previous, "\(stream): pu \(pu) after u \(previous)")
                    }
                    last[stream] = u
                    depthCount += 1
                }
                #expect(depthCount > 10 && tickers > 0, "\(depthCount) diffs, \(tickers) tickers of \(inbox.count)")
                #expect(last.keys.sorted() == ["btcusdt@depth", "btcusdt@depth@100ms"])
            }
        }
    }

    @Test("A replayed USD-M recording keeps every symbol's pu chain and lists its symbols")
    func replayedChain() async throws {
        let configuration = try ReplayServer.configuration(ReplayData.cryptofeedFutures, speed: .max)
        let names = ["sushiusdt", "akrousdt", "keepusdt", "ctkusdt"].map { $0 + "@depth@100ms" }
        try await ReplayServer.with(configuration) { server in
            try await server.connect("/fstream/stream?streams=" + names.joined(separator: "/")) { inbox in
                let all = try ReplayData.frames(ReplayData.cryptofeedFutures[1]).filter { names.contains($0.stream) }
                let arrived = try await inbox.wait(for: all.count)
                #expect(arrived)
                var last: [String: Int64] = [:]
                var breaks = 0
                for text in inbox.received {
                    let envelope = try #require(
                        try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
                    let data = try #require(envelope["data"] as? [String: Any])
                    let symbol = try #require(data["s"] as? String)
                    if let previous = last[symbol], ProcedureBook.int(data["pu"]) != previous { breaks += 1 }
                    last[symbol] = ProcedureBook.int(data["u"])
                }
                #expect(breaks == 0 && last.count == 4)
            }
            let info = try await server.http.send(.get, "/fapi/v1/exchangeInfo").object
            let listed = (info["symbols"] as? [[String: Any]] ?? []).compactMap { $0["symbol"] as? String }
            #expect(Set(["SUSHIUSDT", "AKROUSDT", "KEEPUSDT", "CTKUSDT", "BTCUSDT"]).isSubset(of: Set(listed)))
        }
    }
}

import ExchangeSim
import Foundation
import Testing

/// The spot REST API over real HTTP on 127.0.0.1.
@Suite struct RESTServerTests {
    @Test func publicEndpointsAnswerWithBinanceShapes() async throws {
        try await SimHTTP.with { http in
            let ping = try await http.send(.get, "/api/v3/ping")
            #expect(ping.status == 200)
            #expect(ping.object.isEmpty)
            let time = try await http.send(.get, "/api/v3/time")
            let serverTime = time.object["serverTime"] as? Int64 ?? 0
            #expect(abs(serverTime - SimHTTP.nowMillis()) < 5000)

            let info = try await http.send(.get, "/api/v3/exchangeInfo", query: [("symbol", "BTCUSDT")])
            #expect(info.header("X-MBX-USED-WEIGHT-1M") == "22")
            let limits = info.object["rateLimits"] as? [[String: Any]] ?? []
            #expect(limits.first?["rateLimitType"] as? String == "REQUEST_WEIGHT")
            #expect(limits.first?["limit"] as? Int == 6000)
            let symbols = info.object["symbols"] as? [[String: Any]] ?? []
            #expect(symbols.count == 1)
            let btc = symbols.first ?? [:]
            #expect(btc["status"] as? String == "TRADING")
            #expect(btc["baseAsset"] as? String == "BTC")
            let filters = btc["filters"] as? [[String: Any]] ?? []
            let price = filters.first { $0["filterType"] as? String == "PRICE_FILTER" } ?? [:]
            let lot = filters.first { $0["filterType"] as? String == "LOT_SIZE" } ?? [:]
            let notional = filters.first { $0["filterType"] as? String == "NOTIONAL" } ?? [:]
            #expect(price["tickSize"] as? String == "0.01000000")
            #expect(lot["stepSize"] as? String == "0.00001000")
            #expect(notional["minNotional"] as? String == "5.00000000")

            let many = try await http.send(
                .get, "/api/v3/exchangeInfo", query: [("symbols", "[\"ETHUSDT\",\"BTCUSDT\"]")])
            #expect((many.object["symbols"] as? [Any])?.count == 2)
            let unknown = try await http.send(.get, "/api/v3/exchangeInfo", query: [("symbol", "NOPEUSDT")])
            #expect(unknown.status == 400)
            #expect(unknown.code == -1121)
        }
    }

    @Test func depthIsWeightedByLimitAndCarriesTheUpdateId() async throws {
        try await SimHTTP.with { http in
            let depth = try await http.send(.get, "/api/v3/depth", query: [("symbol", "BTCUSDT"), ("limit", "5")])
            #expect(depth.status == 200)
            #expect(depth.header("X-MBX-USED-WEIGHT-1M") == "5")
            #expect((depth.object["lastUpdateId"] as? Int64 ?? 0) > 0)
            let bids = depth.object["bids"] as? [[String]] ?? []
            let asks = depth.object["asks"] as? [[String]] ?? []
            #expect(!bids.isEmpty && bids.count <= 5 && !asks.isEmpty)
            #expect(Double(bids[0][0])! < Double(asks[0][0])!)
            var used = 5
            for (limit, weight) in [("500", 25), ("1000", 50), ("5000", 250)] {
                let answer = try await http.send(.get, "/api/v3/depth", query: [("symbol", "BTCUSDT"), ("limit",
                    limit)])
                used += weight
                #expect(answer.header("X-MBX-USED-WEIGHT-1M") == String(used))
            }
            let missing = try await http.send(.get, "/api/v3/depth")
            #expect(missing.code == -1102)
            let bad = try await http.send(.get, "/api/v3/depth", query: [("symbol", "BTC$USDT")])
            #expect(bad.code == -1100)
            let extra = try await http.send(.get, "/api/v3/depth", query: [("symbol", "BTCUSDT"), ("foo", "1")])
            #expect(extra.code == -1104)
            let twice = try await http.send(.get, "/api/v3/depth", query: [("symbol", "BTCUSDT"), ("symbol",
                "ETHUSDT")])
            #expect(twice.code == -1101)
        }
    }

    @Test func signedRejectionsOverHTTP() async throws {
        try await SimHTTP.with { http in
            let noKey = try await http.send(.get, "/api/v3/account", signed: true, key: .some(nil))
            #expect(noKey.status == 401)
            #expect(noKey.code == -2014)
            let wrongKey = try await http.send(.get, "/api/v3/account", signed: true, key: "not-a-key")
            #expect(wrongKey.status == 401)
            #expect(wrongKey.code == -2015)
            #expect(wrongKey.object["msg"] as? String == "Invalid API-key, IP, or permissions for action.")
            var forger = http
            forger.apiSecret = "wrong"
            let forged = try await forger.send(.get, "/api/v3/account", signed: true)
            #expect(forged.status == 400)
            #expect(forged.code == -1022)
            #expect(forged.object["msg"] as? String == "Signature for this request is not valid.")
            let stale = try await http.send(
                .get, "/api/v3/account", signed: true, timestamp: SimHTTP.nowMillis() - 10_000)
            #expect(stale.code == -1021)
            #expect(stale.object["msg"] as? String == "Timestamp for this request is outside of the recvWindow.")
            let early = try await http.send(.get, "/api/v3/account", signed: true,
                timestamp: SimHTTP.nowMillis() + 3000)
            #expect(early.code == -1021)
            let wide = try await http.send(
                .get, "/api/v3/account", query: [("recvWindow", "60000")], signed: true,
                timestamp: SimHTTP.nowMillis() - 30_000)
            #expect(wide.status == 200)
            let unsigned = try await http.send(.get, "/api/v3/account", key: http.apiKey)
            #expect(unsigned.code == -1102)
        }
    }
}

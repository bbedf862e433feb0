import ExchangeSim
import Foundation
import Testing

/// Order entry, queries, cancels and limits over real HTTP on 127.0.0.1.
@Suite struct RESTTradingTests {
    @Test func limitOrderPlaceQueryCancelRoundTrip() async throws {
        try await SimHTTP.with { http in
            let before = try await http.balance("USDT")
            #expect(before.locked == 0)
            let placed = try await http.send(
                .post, "/api/v3/order",
                body: [
                    ("symbol", "BTCUSDT"), ("side", "BUY"), ("type", "LIMIT"), ("timeInForce", "GTC"),
                    ("quantity", "0.01000"), ("price", "1000.00"), ("newClientOrderId", "round-trip-1"),
                    ("newOrderRespType", "RESULT"),
                ], signed: true)
            #expect(placed.status == 200)
            #expect(placed.header("X-MBX-ORDER-COUNT-10S") == "1")
            #expect(placed.header("X-MBX-ORDER-COUNT-1D") == "1")
            #expect(placed.object["status"] as? String == "NEW")
            #expect(placed.object["clientOrderId"] as? String == "round-trip-1")
            #expect(placed.object["price"] as? String == "1000.00000000")
            #expect(placed.object["origQty"] as? String == "0.01000000")
            #expect(placed.object["fills"] == nil)
            let orderId = placed.object["orderId"] as? Int64 ?? -1

            let locked = try await http.balance("USDT")
            #expect(locked.locked == 10)
            #expect(locked.free == before.free - 10)

            let byId = try await http.send(
                .get, "/api/v3/order", query: [("symbol", "BTCUSDT"), ("orderId", String(orderId))], signed: true)
            #expect(byId.object["status"] as? String == "NEW")
            #expect(byId.object["isWorking"] as? Bool == true)
            let open = try await http.send(.get, "/api/v3/openOrders", query: [("symbol", "BTCUSDT")], signed: true)
            #expect(open.array.map { $0["orderId"] as? Int64 } == [orderId])
            #expect(open.header("X-MBX-USED-WEIGHT-1M") != nil)

            let canceled = try await http.send(
                .delete, "/api/v3/order", query: [("symbol", "BTCUSDT"), ("origClientOrderId", "round-trip-1")],
                signed: true)
            #expect(canceled.status == 200)
            #expect(canceled.object["status"] as? String == "CANCELED")
            #expect(canceled.object["origClientOrderId"] as? String == "round-trip-1")
            #expect(canceled.object["orderId"] as? Int64 == orderId)

            let after = try await http.send(
                .get, "/api/v3/order", query: [("symbol", "BTCUSDT"), ("origClientOrderId", "round-trip-1")],
                signed: true)
            #expect(after.object["status"] as? String == "CANCELED")
            let restored = try await http.balance("USDT")
            #expect(restored.free == before.free && restored.locked == 0)

            let again = try await http.send(
                .delete, "/api/v3/order", query: [("symbol", "BTCUSDT"), ("orderId", String(orderId))], signed: true)
            #expect(again.code == -2011)
            let unknown = try await http.send(
                .get, "/api/v3/order", query: [("symbol", "BTCUSDT"), ("orderId", "999999")], signed: true)
            #expect(unknown.code == -2013)
            let neither = try await http.send(.get, "/api/v3/order", query: [("symbol", "BTCUSDT")], signed: true)
            #expect(neither.code == -1102)
        }
    }

    @Test func marketOrderFillsAgainstTheBookWithFullResponse() async throws {
        try await SimHTTP.with { http in
            let placed = try await http.send(
                .post, "/api/v3/order",
                query: [("symbol", "BTCUSDT"), ("side", "BUY"), ("type", "MARKET"), ("quantity", "0.0002")],
                signed: true)
            #expect(placed.status == 200)
            #expect(placed.object["status"] as? String == "FILLED")
            let fills = placed.object["fills"] as? [[String: Any]] ?? []
            #expect(!fills.isEmpty)
            #expect(fills.first?["commissionAsset"] as? String == "BTC")
            let mine = try await http.send(.get, "/api/v3/myTrades", query: [("symbol", "BTCUSDT")], signed: true)
            #expect(mine.array.count == fills.count)
            #expect(mine.array.first?["isBuyer"] as? Bool == true)
            let trades = try await http.send(.get, "/api/v3/trades", query: [("symbol", "BTCUSDT"), ("limit", "1000")])
            let ids = Set(trades.array.compactMap { $0["id"] as? Int64 })
            #expect(fills.allSatisfy { ids.contains($0["tradeId"] as? Int64 ?? -1) })
        }
    }

    @Test func orderRefusalsCarryBinanceCodes() async throws {
        try await SimHTTP.with { http in
            func order(_ extra: [(String, String)]) async throws -> SimHTTP.Answer {
                try await http.send(.post, "/api/v3/order", body: [("symbol", "BTCUSDT")] + extra, signed: true)
            }
            let base = [("side", "BUY"), ("type", "LIMIT"), ("timeInForce", "GTC")]
            #expect(try await order(base + [("quantity", "0.01"), ("price", "1000.001")]).code == -1013)
            #expect(try await order(base + [("quantity", "0.0001"), ("price", "1000")]).code == -1013)
            #expect(try await order(base + [("quantity", "abc"), ("price", "1000")]).code == -1100)
            #expect(try await order(base + [("price", "1000")]).code == -1102)
            #expect(try await order([("side", "UP"), ("type", "LIMIT")]).code == -1117)
            #expect(try await order([("side", "BUY"), ("type", "SOON")]).code == -1116)
            let sell = [("side", "SELL"), ("type", "LIMIT"), ("timeInForce", "GTC")]
            #expect(try await order(sell + [("quantity", "120"), ("price", "70000")]).code == -2010)
            let wrongSymbol = try await http.send(
                .post, "/api/v3/order", body: [("symbol", "NOPE")] + base + [("quantity", "1"), ("price", "1")],
                signed: true)
            #expect(wrongSymbol.code == -1121)
        }
    }

    @Test func cancelAllOpenOrders() async throws {
        try await SimHTTP.with { http in
            for price in ["1000", "1001"] {
                let placed = try await http.send(
                    .post, "/api/v3/order",
                    body: [
                        ("symbol", "ETHUSDT"), ("side", "BUY"), ("type", "LIMIT"), ("timeInForce", "GTC"),
                        ("quantity", "0.01"), ("price", price),
                    ], signed: true)
                #expect(placed.object["status"] as? String == "NEW")
            }
            let canceled = try await http.send(.delete, "/api/v3/openOrders", query: [("symbol", "ETHUSDT")],
                signed: true)
            #expect(canceled.array.map { $0["status"] as? String } == ["CANCELED", "CANCELED"])
            let open = try await http.send(.get, "/api/v3/openOrders", signed: true)
            #expect(open.array.isEmpty)
            #expect(open.header("X-MBX-USED-WEIGHT-1M") != nil)
        }
    }

    @Test func weightLimitAnswers429ThenBans418() async throws {
        // Stay inside one minute window: the weight resets when the minute turns.
        let intoMinute = SimHTTP.nowMillis() % 60_000
        if intoMinute > 55_000 { try await Task.sleep(for: .milliseconds(60_500 - Int(intoMinute))) }
        try await SimHTTP.with(SimHTTP.quiet(weightLimit: 30)) { http in
            let info = try await http.send(.get, "/api/v3/exchangeInfo")
            #expect(info.status == 200)
            #expect(info.header("X-MBX-USED-WEIGHT-1M") == "20")
            let depth = try await http.send(.get, "/api/v3/depth", query: [("symbol", "BTCUSDT")])
            #expect(depth.header("X-MBX-USED-WEIGHT-1M") == "25")
            let full = try await http.send(.get, "/api/v3/depth", query: [("symbol", "BTCUSDT")])
            #expect(full.status == 200)
            #expect(full.header("X-MBX-USED-WEIGHT-1M") == "30")
            let over = try await http.send(.get, "/api/v3/ping")
            #expect(over.status == 429)
            #expect(over.code == -1003)
            #expect(Int(over.header("Retry-After") ?? "") ?? 0 >= 1)
            #expect(over.header("X-MBX-USED-WEIGHT-1M") == "31")
            let banned = try await http.send(.get, "/api/v3/ping")
            #expect(banned.status == 418)
            #expect(banned.code == -1003)
            #expect(Int(banned.header("Retry-After") ?? "") ?? 0 >= 100)
            let still = try await http.send(.get, "/api/v3/time")
            #expect(still.status == 418)
        }
    }
}

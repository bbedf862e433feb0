import EngineModel
import Foundation
import Testing

@testable import ExchangeSim

/// USD-M order entry against a still book: the maker ladder only (no warm-up, no participants),
/// so BTCUSDT's best bid is 64999.0 and best ask 65001.0 (mark 65000.00), and every figure below
/// is exact.
enum FuturesFixture {
    /// A quiet server whose test account holds `wallet` USDT on futures.
    static func configuration(wallet: String = "1000000", clock: SimClock? = nil) -> ExchangeSimServer.Configuration {
        var configuration = SimHTTP.quiet()
        configuration.warmUpSteps = 0
        configuration.futures.walletBalance = wallet
        configuration.futures.clock = clock
        return configuration
    }

    /// `POST /fapi/v1/order`.
    static func order(_ http: SimHTTP, _ pairs: [(String, String)]) async throws -> SimHTTP.Answer {
        try await http.send(.post, "/fapi/v1/order", body: [("symbol", "BTCUSDT")] + pairs, signed: true)
    }

    /// The BTCUSDT entry of `GET /fapi/v2/positionRisk`.
    static func position(_ http: SimHTTP) async throws -> [String: Any] {
        let answer = try await http.send(.get, "/fapi/v2/positionRisk", query: [("symbol", "BTCUSDT")], signed: true)
        return answer.array.first ?? [:]
    }
}

@Suite("USD-M order entry and clearing")
struct FuturesTradingTests {
    @Test("Position arithmetic: open, add, reduce, flip and close realize exact PnL at 8 decimals")
    func positionArithmetic() {
        var position = FuturesPosition()
        func fill(_ quantity: Int64, _ price: Int64) -> Int64 {
            FuturesClearing.fill(&position, quantity: quantity, price: price, priceExponent: -1, quantityExponent: -3)
        }
        #expect(fill(100, 650_000) == 0)  // buy 0.100 @ 65000.0
        #expect(position.amount == 100 && FuturesMath.text(position.entryNotional) == "6500.00000000")
        #expect(fill(100, 660_000) == 0)  // add 0.100 @ 66000.0
        #expect(FuturesMath.text(FuturesClearing.entryPrice(position, quantityExponent: -3)) == "65500.00000000")
        #expect(FuturesMath.text(fill(-50, 670_000)) == "75.00000000")  // reduce 0.050 @ 67000.0
        #expect(position.amount == 150)
        #expect(FuturesMath.text(FuturesClearing.entryPrice(position, quantityExponent: -3)) == "65500.00000000")
        #expect(FuturesMath.text(fill(-250, 640_000)) == "-225.00000000")  // flip: sell 0.250 @ 64000.0
        #expect(position.amount == -100 && FuturesMath.text(position.entryNotional) == "6400.00000000")
        #expect(FuturesMath.text(fill(100, 630_000)) == "100.00000000")  // close the short @ 63000.0
        #expect(position.amount == 0 && position.entryNotional == 0)
        #expect(FuturesMath.text(position.realized) == "-50.00000000")
    }

    @Test("Open orders margin: the closing side counts only beyond the position")
    func orderMargin() {
        let spec = FuturesConfiguration.builtIn[0].spec
        let orders = [
            FuturesOpenOrder(side: .sell, remaining: 300, price: 700_000),
            FuturesOpenOrder(side: .buy, remaining: 100, price: 600_000),
        ]
        let long = FuturesClearing.orderMargin(orders, position: 200, spec: spec, leverage: 20)
        // The sell side beyond the 0.200 long (0.100 at 70000 → 7000 / 20 = 350) beats the buy side's 6000 / 20.
        #expect(FuturesMath.text(long.margin) == "350.00000000")
        #expect(FuturesMath.text(long.ask) == "21000.00000000" && FuturesMath.text(long.bid) == "6000.00000000")
        let flat = FuturesClearing.orderMargin(orders, position: 0, spec: spec, leverage: 10)
        #expect(FuturesMath.text(flat.margin) == "2100.00000000")
    }

    @Test("A LIMIT order rests, is queried, listed and canceled with Binance's futures fields")
    func limitLifecycle() async throws {
        try await SimHTTP.with(FuturesFixture.configuration()) { http in
            let placed = try await FuturesFixture.order(
                http,
                [("side", "BUY"), ("type", "LIMIT"), ("timeInForce", "GTC"), ("quantity", "0.100"),
                    ("price", "60000.0"), ("newClientOrderId", "fut-1"), ("positionSide", "BOTH")])
            #expect(placed.status == 200, "\(placed.object)")
            let order = placed.object
            let orderId = try #require(order["orderId"] as? Int)
            #expect(order["status"] as? String == "NEW" && order["clientOrderId"] as? String == "fut-1")
            #expect(order["price"] as? String == "60000.0" && order["origQty"] as? String == "0.100")
            #expect(order["executedQty"] as? String == "0.000" && order["avgPrice"] as? String == "0")
            #expect(order["reduceOnly"] as? Bool == false && order["positionSide"] as? String == "BOTH")
            #expect(order["timeInForce"] as? String == "GTC" && order["type"] as? String == "LIMIT")
            #expect(order["cumQuote"] != nil && order["updateTime"] != nil && order["origType"] as? String == "LIMIT")

            let queried = try await http.send(
                .get, "/fapi/v1/order", query: [("symbol", "BTCUSDT"), ("orderId", "\(orderId)")], signed: true)
            #expect(queried.object["status"] as? String == "NEW" && queried.object["time"] != nil)
            let open = try await http.send(.get, "/fapi/v1/openOrders", query: [("symbol", "BTCUSDT")], signed: true)
            #expect(open.array.map { $0["orderId"] as? Int } == [orderId])
            let account = try await http.send(.get, "/fapi/v2/account", signed: true).object
            #expect(account["totalOpenOrderInitialMargin"] as? String == "300.00000000")
            #expect(account["availableBalance"] as? String == "999700.00000000")

            let canceled = try await http.send(
                .delete, "/fapi/v1/order", query: [("symbol", "BTCUSDT"), ("origClientOrderId", "fut-1")],
                signed: true)
            #expect(canceled.object["status"] as? String == "CANCELED")
            let again = try await http.send(
                .delete, "/fapi/v1/order", query: [("symbol", "BTCUSDT"), ("orderId", "\(orderId)")], signed: true)
            #expect(again.status == 400 && again.code == -2011)
            let missing = try await http.send(
                .get, "/fapi/v1/order", query: [("symbol", "BTCUSDT"), ("orderId", "999999")], signed: true)
            #expect(missing.code == -2013)
            let all = try await http.send(.delete, "/fapi/v1/allOpenOrders", query: [("symbol", "BTCUSDT")], signed: true)
            #expect(all.object["code"] as? Int == 200)
        }
    }

    @Test("MARKET fills move the position, wallet, PnL and userTrades exactly")
    func marketFills() async throws {
        try await SimHTTP.with(FuturesFixture.configuration()) { http in
            let bought = try await FuturesFixture.order(http, [("side", "BUY"), ("type", "MARKET"), ("quantity", "0.100")])
            #expect(bought.object["status"] as? String == "FILLED", "\(bought.object)")
            #expect(bought.object["avgPrice"] as? String == "65001.00000000")
            #expect(bought.object["cumQuote"] as? String == "6500.10000000")
            var position = try await FuturesFixture.position(http)
            #expect(position["positionAmt"] as? String == "0.100")
            #expect(position["entryPrice"] as? String == "65001.00000000")
            #expect(position["markPrice"] as? String == "65000.00000000")
            #expect(position["unRealizedProfit"] as? String == "-0.10000000")
            #expect(position["leverage"] as? String == "20" && position["marginType"] as? String == "cross")

            // Reduce-only: a sell closes at the best bid 64999.0, realizing (64999 − 65001) × 0.05.
            let reduced = try await FuturesFixture.order(
                http, [("side", "SELL"), ("type", "MARKET"), ("quantity", "0.050"), ("reduceOnly", "true")])
            #expect(reduced.object["reduceOnly"] as? Bool == true && reduced.object["status"] as? String == "FILLED")
            position = try await FuturesFixture.position(http)
            #expect(position["positionAmt"] as? String == "0.050")
            #expect(position["entryPrice"] as? String == "65001.00000000")
            let trades = try await http.send(.get, "/fapi/v1/userTrades", query: [("symbol", "BTCUSDT")], signed: true)
            #expect(trades.array.map { $0["realizedPnl"] as? String } == ["0.00000000", "-0.10000000"])
            #expect(trades.array.map { $0["commission"] as? String } == ["3.25005000", "1.62497500"])
            #expect(trades.array.first?["commissionAsset"] as? String == "USDT")
            // 1 000 000 − 3.25005 − 1.624975 − 0.1
            let balance = try await http.send(.get, "/fapi/v2/balance", signed: true).array.first ?? [:]
            #expect(balance["balance"] as? String == "999995.02497500" && balance["asset"] as? String == "USDT")

            let wrongWay = try await FuturesFixture.order(
                http, [("side", "BUY"), ("type", "MARKET"), ("quantity", "0.010"), ("reduceOnly", "true")])
            #expect(wrongWay.code == -2022)
            // Flip: sell 0.100 at 64999.0 closes 0.050 and opens 0.050 short.
            _ = try await FuturesFixture.order(http, [("side", "SELL"), ("type", "MARKET"), ("quantity", "0.100")])
            position = try await FuturesFixture.position(http)
            #expect(position["positionAmt"] as? String == "-0.050")
            #expect(position["entryPrice"] as? String == "64999.00000000")
            #expect(position["unRealizedProfit"] as? String == "-0.05000000")
        }
    }

    @Test("Refusals: -2019 margin, -5022 GTX taking, -4061 position side, -4028 leverage, -1121 symbol")
    func refusals() async throws {
        try await SimHTTP.with(FuturesFixture.configuration(wallet: "400")) { http in
            // 0.2 BTC at 65001 needs 650 USDT of initial margin at 20x.
            let tooBig = try await FuturesFixture.order(http, [("side", "BUY"), ("type", "MARKET"), ("quantity", "0.200")])
            #expect(tooBig.status == 400 && tooBig.code == -2019 && tooBig.object["msg"] as? String == "Margin is insufficient.")
            let leverage = try await http.send(
                .post, "/fapi/v1/leverage", body: [("symbol", "BTCUSDT"), ("leverage", "50")], signed: true)
            #expect(leverage.object["leverage"] as? Int == 50 && leverage.object["symbol"] as? String == "BTCUSDT")
            let fits = try await FuturesFixture.order(http, [("side", "BUY"), ("type", "MARKET"), ("quantity", "0.200")])
            #expect(fits.object["status"] as? String == "FILLED", "at 50x 260 USDT suffice: \(fits.object)")
            let bad = try await http.send(
                .post, "/fapi/v1/leverage", body: [("symbol", "BTCUSDT"), ("leverage", "200")], signed: true)
            #expect(bad.code == -4028)
            let gtx = try await FuturesFixture.order(
                http, [("side", "BUY"), ("type", "LIMIT"), ("timeInForce", "GTX"), ("quantity", "0.002"),
                    ("price", "70000.0")])  // far through the asks, whatever the fill above left
            #expect(gtx.code == -5022)
            let hedge = try await FuturesFixture.order(
                http, [("side", "BUY"), ("type", "MARKET"), ("quantity", "0.002"), ("positionSide", "LONG")])
            #expect(hedge.code == -4061)
            let unknown = try await http.send(
                .post, "/fapi/v1/order", body: [("symbol", "NOPEUSDT"), ("side", "BUY"), ("type", "MARKET"),
                    ("quantity", "1")], signed: true)
            #expect(unknown.code == -1121)
            let unsigned = try await http.send(.get, "/fapi/v2/account")
            #expect(unsigned.status == 401 || unsigned.code == -1102)
        }
    }
}

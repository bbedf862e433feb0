import EngineModel
import Foundation
import Testing

@testable import ExchangeSim

/// The USD-M listen-key user data stream, the `/ws-fapi/v1` WebSocket API, and funding and
/// liquidation driven by an injected clock.
@Suite("USD-M user data, WebSocket API, funding and liquidation")
struct FuturesUserDataTests {
    /// `POST /fapi/v1/listenKey`.
    static func listenKey(_ http: SimHTTP) async throws -> String {
        let answer = try await http.send(
            .post, "/fapi/v1/listenKey", key: .some(ExchangeSimServer.Configuration.defaultAPIKey))
        return try #require(answer.object["listenKey"] as? String, "\(answer.object)")
    }

    /// The events of type `type` received so far.
    static func events(_ inbox: StreamInbox, _ type: String) -> [[String: Any]] {
        inbox.messages.filter { $0["e"] as? String == type }
    }

    /// Waits (bounded) until `count` events of `type` arrived.
    static func wait(_ inbox: StreamInbox, _ type: String, count: Int) async throws -> [[String: Any]] {
        _ = try await inbox.first { _ in events(inbox, type).count >= count }
        return events(inbox, type)
    }

    @Test("An order's life on the listen-key stream: NEW, CANCELED, TRADE with ACCOUNT_UPDATE")
    func orderLife() async throws {
        try await SimStreams.with(FuturesFixture.configuration()) { sim in
            let key = try await Self.listenKey(sim.http)
            #expect(key.count == 64)
            #expect(try await Self.listenKey(sim.http) == key, "a live key is returned again")
            try await sim.connect("/fstream/ws/\(key)") { inbox, _ in
                let placed = try await FuturesFixture.order(
                    sim.http, [("side", "BUY"), ("type", "LIMIT"), ("timeInForce", "GTC"), ("quantity", "0.100"),
                        ("price", "60000.0"), ("newClientOrderId", "ud-fut")])
                let orderId = try #require(placed.object["orderId"] as? Int)
                _ = try await sim.http.send(
                    .delete, "/fapi/v1/order", query: [("symbol", "BTCUSDT"), ("orderId", "\(orderId)")], signed: true)
                let updates = try await Self.wait(inbox, "ORDER_TRADE_UPDATE", count: 2)
                try #require(updates.count == 2)
                let new = updates[0].jsonObject("o")
                #expect(new.jsonString("x") == "NEW" && new.jsonString("X") == "NEW" && new.jsonString("c") == "ud-fut")
                #expect(new.jsonString("s") == "BTCUSDT" && new.jsonString("S") == "BUY" && new.jsonString("o") == "LIMIT")
                #expect(new.jsonString("f") == "GTC" && new.jsonString("q") == "0.100" && new.jsonString("p") == "60000.0")
                #expect(new.jsonInt("i") == Int64(orderId) && new.jsonString("ps") == "BOTH" && new["R"] as? Bool == false)
                #expect(new.jsonString("b") == "6000.00000000" && new.jsonString("ap") == "0")
                let fields = ["s", "c", "S", "o", "f", "q", "p", "ap", "x", "X", "i", "l", "z", "L", "n", "N", "T", "t",
                    "b", "a", "m", "R", "ps", "rp"]
                #expect(fields.allSatisfy { new[$0] != nil }, "missing: \(Set(fields).subtracting(new.keys))")
                #expect(updates[1].jsonObject("o").jsonString("x") == "CANCELED")

                _ = try await FuturesFixture.order(sim.http, [("side", "BUY"), ("type", "MARKET"), ("quantity", "0.100")])
                let all = try await Self.wait(inbox, "ORDER_TRADE_UPDATE", count: 4)
                try #require(all.count == 4)
                let trade = all[3].jsonObject("o")
                #expect(trade.jsonString("x") == "TRADE" && trade.jsonString("X") == "FILLED")
                #expect(trade.jsonString("l") == "0.100" && trade.jsonString("L") == "65001.0")
                #expect(trade.jsonString("n") == "3.25005000" && trade.jsonString("N") == "USDT")
                #expect(trade.jsonString("rp") == "0.00000000" && trade["m"] as? Bool == false)
                let accounts = try await Self.wait(inbox, "ACCOUNT_UPDATE", count: 1)
                let update = try #require(accounts.first).jsonObject("a")
                #expect(update.jsonString("m") == "ORDER")
                let balance = (update["B"] as? [[String: Any]] ?? []).first ?? [:]
                #expect(balance.jsonString("a") == "USDT" && balance.jsonString("wb") == "999996.74995000")
                let position = (update["P"] as? [[String: Any]] ?? []).first ?? [:]
                #expect(position.jsonString("s") == "BTCUSDT" && position.jsonString("pa") == "0.100")
                #expect(position.jsonString("ep") == "65001.00000000" && position.jsonString("up") == "-0.10000000")
                #expect(position.jsonString("mt") == "cross" && position.jsonString("ps") == "BOTH")
            }
            let kept = try await sim.http.send(
                .put, "/fapi/v1/listenKey", key: .some(ExchangeSimServer.Configuration.defaultAPIKey))
            #expect(kept.object["listenKey"] as? String == key)
            let closed = try await sim.http.send(
                .delete, "/fapi/v1/listenKey", key: .some(ExchangeSimServer.Configuration.defaultAPIKey))
            #expect(closed.status == 200)
            let gone = try await sim.http.send(
                .put, "/fapi/v1/listenKey", key: .some(ExchangeSimServer.Configuration.defaultAPIKey))
            #expect(gone.code == -1125)
            let noKey = try await sim.http.send(.post, "/fapi/v1/listenKey")
            #expect(noKey.status == 401 && noKey.code == -2014)
        }
    }

    @Test("A listen key expires 60 minutes after its last keepalive on the injected clock")
    func expiry() async throws {
        let clock = SimClock(millis: 1_700_000_000_000)
        try await SimStreams.with(FuturesFixture.configuration(clock: clock)) { sim in
            let key = try await Self.listenKey(sim.http)
            try await sim.connect("/fstream/ws/\(key)") { inbox, _ in
                clock.advance(byMillis: 59 * 60_000)
                let kept = try await sim.http.send(
                    .put, "/fapi/v1/listenKey", key: .some(ExchangeSimServer.Configuration.defaultAPIKey))
                #expect(kept.status == 200)
                clock.advance(byMillis: 59 * 60_000)
                // Still live: an order's event arrives.
                _ = try await FuturesFixture.order(
                    sim.http, [("side", "BUY"), ("type", "LIMIT"), ("timeInForce", "GTC"), ("quantity", "0.100"),
                        ("price", "60000.0")])
                #expect(try await Self.wait(inbox, "ORDER_TRADE_UPDATE", count: 1).count == 1)
                clock.advance(byMillis: 60_000)
                let expired = try await Self.wait(inbox, "listenKeyExpired", count: 1)
                #expect(expired.first?["listenKey"] as? String == key)
            }
            let gone = try await sim.http.send(
                .put, "/fapi/v1/listenKey", key: .some(ExchangeSimServer.Configuration.defaultAPIKey))
            #expect(gone.code == -1125)
        }
    }

    @Test(
        "Funding at the 8 h mark, then liquidation at the mark price, driven by the injected clock",
        .disabled("funding's ACCOUNT_UPDATE does not reach the listen-key stream yet: to be found"))
    func fundingAndLiquidation() async throws {
        // 12:00 UTC: the next funding time is 16:00.
        let clock = SimClock(millis: 1_700_006_400_000 - 4 * 3_600_000)
        var configuration = FuturesFixture.configuration(wallet: "400", clock: clock)
        configuration.futures.fundingRate = "0.06"
        try await SimStreams.with(configuration) { sim in
            let key = try await Self.listenKey(sim.http)
            try await sim.connect("/fstream/ws/\(key)") { inbox, _ in
                _ = try await FuturesFixture.order(sim.http, [("side", "BUY"), ("type", "MARKET"), ("quantity", "0.100")])
                _ = try await Self.wait(inbox, "ACCOUNT_UPDATE", count: 1)
                clock.advance(byMillis: 3 * 3_600_000)
                clock.advance(byMillis: 3_600_000)
                let updates = try await Self.wait(inbox, "ACCOUNT_UPDATE", count: 3)
                try #require(updates.count == 3, "\(inbox.messages)")
                let funding = updates[1].jsonObject("a")
                #expect(funding.jsonString("m") == "FUNDING_FEE")
                let fee = (funding["B"] as? [[String: Any]] ?? []).first ?? [:]
                // 6500.00 notional at the mark × 6 %: 400 − 3.25005 − 390.
                #expect(fee.jsonString("bc") == "-390.00000000" && fee.jsonString("wb") == "6.74995000")
                let orders = Self.events(inbox, "ORDER_TRADE_UPDATE").map { $0.jsonObject("o") }
                let liquidation = orders.filter { $0.jsonString("o") == "LIQUIDATION" }
                try #require(liquidation.count == 2)
                #expect(liquidation[0].jsonString("x") == "NEW")
                #expect(liquidation[1].jsonString("x") == "CALCULATED" && liquidation[1].jsonString("X") == "FILLED")
                #expect(liquidation[1].jsonString("c")?.hasPrefix("autoclose-") == true)
                #expect(liquidation[1].jsonString("S") == "SELL" && liquidation[1].jsonString("L") == "65000.00")
                #expect(liquidation[1].jsonString("rp") == "-0.10000000")
                let closed = updates[2].jsonObject("a")
                let position = (closed["P"] as? [[String: Any]] ?? []).first ?? [:]
                #expect(position.jsonString("pa") == "0.000")
                #expect(((closed["B"] as? [[String: Any]])?.first ?? [:]).jsonString("wb") == "6.64995000")
            }
            let position = try await FuturesFixture.position(sim.http)
            #expect(position["positionAmt"] as? String == "0.000")
        }
    }

    @Test("/ws-fapi/v1: order.place, order.status, order.cancel, account.position, userDataStream.start")
    func webSocketAPI() async throws {
        try await SimStreams.with(FuturesFixture.configuration()) { sim in
            try await sim.connect("/ws-fapi/v1") { inbox, send in
                let ws = WSAPISession(inbox: inbox, sendText: send)
                let placed = try await ws.call(
                    1, "order.place",
                    ["symbol": "BTCUSDT", "side": "SELL", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.100",
                        "price": "70000.0", "newClientOrderId": "ws-fut"], signed: true)
                #expect(placed.wsStatus == 200, "\(placed)")
                let result = placed.jsonObject("result")
                let orderId = try #require(result.jsonInt("orderId"))
                #expect(result.jsonString("status") == "NEW" && result.jsonString("positionSide") == "BOTH")
                let status = try await ws.call(2, "order.status", ["symbol": "BTCUSDT", "orderId": orderId], signed: true)
                #expect(status.jsonObject("result").jsonString("clientOrderId") == "ws-fut")
                let canceled = try await ws.call(
                    3, "order.cancel", ["symbol": "BTCUSDT", "origClientOrderId": "ws-fut"], signed: true)
                #expect(canceled.jsonObject("result").jsonString("status") == "CANCELED")
                let missing = try await ws.call(4, "order.cancel", ["symbol": "BTCUSDT", "orderId": orderId], signed: true)
                #expect(missing.wsErrorCode == -2011)
                let positions = try await ws.call(5, "account.position", ["symbol": "BTCUSDT"], signed: true)
                #expect((positions["result"] as? [[String: Any]])?.first?.jsonString("positionAmt") == "0.000")
                let balance = try await ws.call(6, "account.balance", [:], signed: true)
                #expect((balance["result"] as? [[String: Any]])?.first?.jsonString("balance") == "1000000.00000000")
                let started = try await ws.call(7, "userDataStream.start", ["apiKey": ws.apiKey])
                let key = try #require(started.jsonObject("result").jsonString("listenKey"))
                let pinged = try await ws.call(8, "userDataStream.ping", ["apiKey": ws.apiKey])
                #expect(pinged.jsonObject("result").jsonString("listenKey") == key)
                #expect(try await ws.call(9, "userDataStream.stop", ["apiKey": ws.apiKey]).wsStatus == 200)
                let margin = try await ws.call(
                    10, "order.place", ["symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "1000"],
                    signed: true)
                #expect(margin.wsErrorCode == -2019 || margin.wsErrorCode == -1013, "\(margin)")
            }
        }
    }
}

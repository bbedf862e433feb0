import Foundation
import Testing

@testable import ExchangeSim

/// User data on the WebSocket API: `userDataStream.subscribe.signature`, then the account's
/// `executionReport`, `outboundAccountPosition` and `balanceUpdate` events on the same
/// connection, wrapped `{"subscriptionId":N,"event":{…}}`, whoever caused them.
@Suite("WebSocket API user data stream")
struct WSAPIUserDataTests {
    /// Subscribes and checks the answer; the subscription id.
    static func subscribe(_ ws: WSAPISession, id: Int) async throws -> Int64 {
        let answer = try await ws.call(id, "userDataStream.subscribe.signature", [:], signed: true)
        #expect(answer.wsStatus == 200, "\(answer)")
        return try #require(answer.jsonObject("result").jsonInt("subscriptionId"))
    }

    /// The documented executionReport fields, in the documented order (W only when on the book).
    static let reportFields = [
        "e", "E", "s", "c", "S", "o", "f", "q", "p", "P", "F", "g", "C", "x", "X", "r", "i", "l", "z", "L", "n", "N",
        "T", "t", "I", "w", "m", "M", "O", "Z", "Y", "Q",
    ]

    @Test("A WS-placed order: executionReport NEW then outboundAccountPosition; cancel: CANCELED then position")
    func newAndCancel() async throws {
        try await SimStreams.with(SimHTTP.quiet()) { sim in
            try await sim.wsAPI { ws in
                #expect(try await Self.subscribe(ws, id: 1) == 0)
                let listed = try await ws.call(2, "session.subscriptions")
                #expect((listed["result"] as? [[String: Any]])?.compactMap { $0.jsonInt("subscriptionId") } == [0])

                let placed = try await ws.call(
                    3, "order.place",
                    [
                        "symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
                        "quantity": "0.01000", "price": "1000.00", "newClientOrderId": "ud-1",
                    ], signed: true)
                let orderId = try #require(placed.jsonObject("result").jsonInt("orderId"))
                let events = try await ws.events(count: 2)
                try #require(events.count == 2)
                #expect(ws.events.allSatisfy { $0.subscriptionId == 0 })
                let new = events[0]
                #expect(new.jsonString("e") == "executionReport" && new.jsonString("x") == "NEW")
                #expect(new.jsonString("X") == "NEW" && new.jsonInt("i") == orderId && new.jsonString("c") == "ud-1")
                #expect(new.jsonString("s") == "BTCUSDT" && new.jsonString("S") == "BUY")
                #expect(new.jsonString("o") == "LIMIT")
                #expect(new.jsonString("f") == "GTC" && new.jsonString("q") == "0.01000000")
                #expect(new.jsonString("p") == "1000.00000000" && new.jsonString("C") == "" && new.jsonInt("g") == -1)
                #expect(new.jsonString("r") == "NONE" && new.jsonInt("t") == -1 && new["N"] is NSNull)
                #expect(new["w"] as? Bool == true && new["W"] != nil && new.jsonString("V") == "NONE")
                let keys = Self.reportFields.filter { new[$0] != nil }
                #expect(keys == Self.reportFields, "missing: \(Set(Self.reportFields).subtracting(new.keys))")
                let position = events[1]
                #expect(position.jsonString("e") == "outboundAccountPosition")
                let balances = position["B"] as? [[String: String]] ?? []
                let usdt = balances.first { $0["a"] == "USDT" }
                #expect(usdt?["l"] == "10.00000000", "10 USDT locked: \(balances)")

                _ = try await ws.call(4, "order.cancel", ["symbol": "BTCUSDT", "orderId": orderId], signed: true)
                let all = try await ws.events(count: 4)
                try #require(all.count == 4)
                let canceled = all[2]
                #expect(canceled.jsonString("x") == "CANCELED" && canceled.jsonString("X") == "CANCELED")
                #expect(canceled.jsonString("C") == "ud-1" && canceled.jsonString("c") != "ud-1")
                #expect(canceled["w"] as? Bool == false)
                #expect(all[3].jsonString("e") == "outboundAccountPosition")
                let unlocked = (all[3]["B"] as? [[String: String]] ?? []).first { $0["a"] == "USDT" }
                #expect(unlocked?["l"] == "0.00000000")
            }
        }
    }

    @Test("A REST MARKET order that fills: NEW, TRADE… FILLED, then one outboundAccountPosition")
    func restFill() async throws {
        try await SimStreams.with(SimHTTP.quiet()) { sim in
            try await sim.wsAPI { ws in
                _ = try await Self.subscribe(ws, id: 1)
                let answer = try await sim.http.send(
                    .post, "/api/v3/order",
                    body: [("symbol", "BTCUSDT"), ("side", "BUY"), ("type", "MARKET"), ("quantity", "0.05000")],
                    signed: true)
                #expect(answer.status == 200)
                let orderId = try #require(answer.object["orderId"] as? Int)
                let fills = answer.object["fills"] as? [[String: Any]] ?? []
                #expect(!fills.isEmpty)
                let events = try await ws.events(count: fills.count + 2)
                let reports = events.filter { $0.jsonString("e") == "executionReport" }
                #expect(reports.allSatisfy { $0.jsonInt("i") == Int64(orderId) })
                #expect(reports.first?.jsonString("x") == "NEW")
                let trades = reports.filter { $0.jsonString("x") == "TRADE" }
                #expect(trades.count == fills.count)
                #expect(trades.last?.jsonString("X") == "FILLED" && trades.last?.jsonString("z") == "0.05000000")
                #expect(trades.allSatisfy { $0["m"] as? Bool == false && ($0.jsonInt("t") ?? -1) >= 0 })
                #expect(trades.allSatisfy { $0.jsonString("N") == "BTC" })
                let filled = trades.compactMap { Decimal(string: $0.jsonString("l") ?? "") }.reduce(0, +)
                #expect(filled == Decimal(string: "0.05"))
                #expect(zip(trades, fills).allSatisfy { $0.jsonInt("t") == ($1["tradeId"] as? NSNumber)?.int64Value })
                // Binance's order: the executionReports first, the account position after them.
                #expect(events.last?.jsonString("e") == "outboundAccountPosition")
                #expect(events.filter { $0.jsonString("e") == "outboundAccountPosition" }.count == 1)
            }
        }
    }

    @Test("A deposit through /sim/v1/deposit: balanceUpdate then outboundAccountPosition")
    func deposit() async throws {
        try await SimStreams.with(SimHTTP.quiet()) { sim in
            try await sim.wsAPI { ws in
                _ = try await Self.subscribe(ws, id: 1)
                let answer = try await sim.http.send(
                    .post, "/sim/v1/deposit", body: [("asset", "BTC"), ("amount", "1.5")], signed: true)
                #expect(answer.status == 200 && answer.object["amount"] as? String == "1.50000000")
                let events = try await ws.events(count: 2)
                try #require(events.count == 2)
                #expect(events[0].jsonString("e") == "balanceUpdate")
                #expect(events[0].jsonString("a") == "BTC" && events[0].jsonString("d") == "1.50000000")
                #expect(events[1].jsonString("e") == "outboundAccountPosition")
                let btc = (events[1]["B"] as? [[String: String]] ?? []).first { $0["a"] == "BTC" }
                #expect(btc?["f"] == "101.50000000")
                let refused = try await sim.http.send(
                    .post, "/sim/v1/deposit", body: [("asset", "BTC"), ("amount", "1")], signed: false)
                #expect(refused.status == 401)
            }
        }
    }

    @Test("The background liquidity hitting a resting order sends a maker TRADE report")
    func participantFill() async throws {
        var configuration = SimHTTP.quiet()
        configuration.participantIntervalMillis = 5
        try await SimStreams.with(configuration) { sim in
            try await sim.wsAPI { ws in
                _ = try await Self.subscribe(ws, id: 1)
                // Improve the best bid and the best ask by a tick where the spread allows, so the
                // resting orders are first in line for a participant's next market order.
                let book = try await sim.http.send(
                    .get, "/api/v3/depth", query: [("symbol", "BTCUSDT"), ("limit", "5")]).object
                func best(_ side: String) -> Decimal? {
                    (book[side] as? [[String]])?.first?.first.flatMap { Decimal(string: $0) }
                }
                let bid = try #require(best("bids"))
                let ask = try #require(best("asks"))
                let tick = Decimal(string: "0.01")!
                let prices =
                    ask - bid > 2 * tick ? [("BUY", bid + tick), ("SELL", ask - tick)] : [("BUY", bid), ("SELL", ask)]
                for (index, (side, price)) in prices.enumerated() {
                    let placed = try await ws.call(
                        10 + index, "order.place",
                        [
                            "symbol": "BTCUSDT", "side": side, "type": "LIMIT_MAKER", "quantity": "0.20000",
                            "price": "\(price)",
                        ], signed: true)
                    #expect(placed.wsStatus == 200 || placed.wsErrorCode == -2010, "\(placed)")
                }
                let trades = try await ws.events(count: 1, within: 15) {
                    $0.jsonString("e") == "executionReport" && $0.jsonString("x") == "TRADE"
                }
                let trade = try #require(trades.first, "no participant traded with the resting orders")
                #expect(trade["m"] as? Bool == true && trade.jsonString("N") != nil)
                // The fill's account position follows its report(s).
                let deadline = Date().addingTimeInterval(5)
                var tail: [[String: Any]] = []
                while Date() < deadline {
                    let all = ws.events.map(\.event)
                    let first = try #require(all.firstIndex { $0.jsonString("x") == "TRADE" })
                    tail = Array(all[first...])
                    if tail.contains(where: { $0.jsonString("e") == "outboundAccountPosition" }) { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                let position = try #require(tail.firstIndex { $0.jsonString("e") == "outboundAccountPosition" })
                #expect(tail[..<position].allSatisfy { $0.jsonString("e") == "executionReport" })
            }
        }
    }

    @Test("One subscription per account a connection (-2035); unsubscribe stops the events (-2036 after)")
    func subscriptionLifecycle() async throws {
        try await SimStreams.with(SimHTTP.quiet()) { sim in
            try await sim.wsAPI { ws in
                #expect(try await Self.subscribe(ws, id: 1) == 0)
                let again = try await ws.call(2, "userDataStream.subscribe.signature", [:], signed: true)
                #expect(again.wsErrorCode == -2035)
                let stale = ws.signed([:], timestamp: SimHTTP.nowMillis() - 60_000)
                try await ws.send(["id": 3, "method": "userDataStream.subscribe.signature", "params": stale])
                #expect(try await ws.reply(3)?.wsErrorCode == -1021)

                let done = try await ws.call(4, "userDataStream.unsubscribe", ["subscriptionId": 0])
                #expect(done.wsStatus == 200)
                #expect(try await ws.call(5, "userDataStream.unsubscribe", ["subscriptionId": 0]).wsErrorCode == -2036)
                _ = try await sim.http.send(
                    .post, "/sim/v1/deposit", body: [("asset", "USDT"), ("amount", "1")], signed: true)
                try await Task.sleep(for: .milliseconds(300))
                #expect(ws.events.isEmpty)

                #expect(try await Self.subscribe(ws, id: 6) == 1, "subscription ids are not reused")
                _ = try await sim.http.send(
                    .post, "/sim/v1/deposit", body: [("asset", "USDT"), ("amount", "1")], signed: true)
                let events = try await ws.events(count: 2)
                #expect(events.count == 2 && ws.events.allSatisfy { $0.subscriptionId == 1 })
            }
        }
    }

    @Test("The duplicated-executionReport fault hook sends each report twice, positions once")
    func duplicateFaultHook() async throws {
        try await SimStreams.with(SimHTTP.quiet()) { sim in
            sim.server.venue.userData.setShouldDuplicateExecutionReport { _ in true }
            try await sim.wsAPI { ws in
                _ = try await Self.subscribe(ws, id: 1)
                _ = try await sim.http.send(
                    .post, "/api/v3/order",
                    body: [
                        ("symbol", "BTCUSDT"), ("side", "BUY"), ("type", "LIMIT"), ("timeInForce", "GTC"),
                        ("quantity", "0.01000"), ("price", "1000.00"),
                    ], signed: true)
                let events = try await ws.events(count: 3)
                #expect(events.map { $0.jsonString("e") ?? "" }
                    == ["executionReport", "executionReport", "outboundAccountPosition"])
                #expect(events[0] as NSDictionary == events[1] as NSDictionary)
                sim.server.venue.userData.setShouldDuplicateExecutionReport { _ in false }
                _ = try await sim.http.send(
                    .delete, "/api/v3/openOrders", query: [("symbol", "BTCUSDT")], signed: true)
                let later = try await ws.events(count: 5)
                #expect(later.count == 5)
                try await Task.sleep(for: .milliseconds(200))
                #expect(ws.events.count == 5)
            }
        }
    }
}

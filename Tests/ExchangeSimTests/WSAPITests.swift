import ExchangeSim
import Foundation
import Testing

/// The WebSocket API at `/ws-api/v3` over a real socket: request/response framing, signed
/// order entry answering exactly as REST does, and the documented error codes.
@Suite("WebSocket API")
struct WSAPITests {
    @Test("ping and time answer with rateLimits; ids are echoed as sent; returnRateLimits=false hides them")
    func framing() async throws {
        try await SimStreams.with(SimHTTP.quiet()) { sim in
            try await sim.wsAPI { ws in
                let ping = try await ws.call(1, "ping")
                #expect(ping.wsStatus == 200)
                #expect((ping["result"] as? [String: Any])?.isEmpty == true)
                let limits = try #require(ping["rateLimits"] as? [[String: Any]])
                #expect(limits.first?.jsonString("rateLimitType") == "REQUEST_WEIGHT")
                #expect(limits.first?.jsonInt("limit") == 6000)
                #expect((limits.first?.jsonInt("count") ?? 0) >= 1)

                let time = try await ws.call(2, "v3/time")
                let serverTime = time.jsonObject("result").jsonInt("serverTime") ?? 0
                #expect(abs(serverTime - SimHTTP.nowMillis()) < 5000)

                try await ws.send(["id": "req-äbc", "method": "time"])
                let byString = try await ws.inbox.first { $0["id"] as? String == "req-äbc" }
                #expect(byString?.wsStatus == 200)

                let quiet = try await ws.call(3, "time", ["returnRateLimits": false])
                #expect(quiet.wsStatus == 200 && quiet["rateLimits"] == nil)

                try await ws.sendText("{not json")
                let malformed = try await ws.inbox.first { $0["id"] is NSNull }
                #expect(malformed?.wsStatus == 400)

                let unknown = try await ws.call(4, "order.teleport")
                #expect(unknown.wsStatus == 400 && unknown.wsErrorCode == -1020)
            }
            try await sim.wsAPI(query: "?returnRateLimits=false") { ws in
                let time = try await ws.call(1, "time")
                #expect(time.wsStatus == 200 && time["rateLimits"] == nil)
                let shown = try await ws.call(2, "time", ["returnRateLimits": true])
                #expect(shown["rateLimits"] != nil)
            }
        }
    }

    @Test("order.place, order.status, openOrders.status, order.cancel and account.status match REST")
    func orderLifecycle() async throws {
        try await SimStreams.with(SimHTTP.quiet()) { sim in
            try await sim.wsAPI { ws in
                let placed = try await ws.call(
                    1, "order.place",
                    [
                        "symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
                        "quantity": "0.01000", "price": "1000.00", "newClientOrderId": "ws-order-1",
                    ], signed: true)
                #expect(placed.wsStatus == 200)
                let order = placed.jsonObject("result")
                #expect(order.jsonString("status") == "NEW" && order.jsonString("clientOrderId") == "ws-order-1")
                #expect(order.jsonString("price") == "1000.00000000" && order.jsonString("origQty") == "0.01000000")
                #expect((order["fills"] as? [Any])?.isEmpty == true, "LIMIT defaults to FULL")
                let orderId = try #require(order.jsonInt("orderId"))
                let limits = placed["rateLimits"] as? [[String: Any]] ?? []
                #expect(limits.map { $0.jsonString("rateLimitType") ?? "" } == ["ORDERS", "ORDERS", "REQUEST_WEIGHT"])
                #expect(limits.first?.jsonInt("intervalNum") == 10 && limits.first?.jsonInt("count") == 1)

                let status = try await ws.call(
                    2, "order.status", ["symbol": "BTCUSDT", "orderId": orderId], signed: true)
                let rest = try await sim.http.send(
                    .get, "/api/v3/order", query: [("symbol", "BTCUSDT"), ("orderId", String(orderId))], signed: true)
                #expect(status.jsonObject("result") as NSDictionary == rest.object as NSDictionary)

                let open = try await ws.call(3, "openOrders.status", ["symbol": "BTCUSDT"], signed: true)
                let openIds = (open["result"] as? [[String: Any]] ?? []).compactMap { $0.jsonInt("orderId") }
                #expect(openIds == [orderId])

                let canceled = try await ws.call(
                    4, "order.cancel", ["symbol": "BTCUSDT", "origClientOrderId": "ws-order-1"], signed: true)
                let cancel = canceled.jsonObject("result")
                #expect(cancel.jsonString("status") == "CANCELED")
                #expect(cancel.jsonString("origClientOrderId") == "ws-order-1")
                #expect(cancel.jsonInt("orderId") == orderId)
                let after = try await sim.http.send(
                    .get, "/api/v3/order", query: [("symbol", "BTCUSDT"), ("orderId", String(orderId))], signed: true)
                #expect(after.object["status"] as? String == "CANCELED")

                let account = try await ws.call(5, "account.status", ["omitZeroBalances": "true"], signed: true)
                #expect(account.wsStatus == 200)
                let restAccount = try await sim.http.send(
                    .get, "/api/v3/account", query: [("omitZeroBalances", "true")], signed: true)
                let wsBalances = account.jsonObject("result")["balances"] as? [[String: String]]
                #expect(wsBalances != nil && wsBalances! == restAccount.object["balances"] as? [[String: String]])
                #expect(account.jsonObject("result").jsonString("accountType") == "SPOT")
                let accountLimits = account["rateLimits"] as? [[String: Any]]
                #expect(accountLimits?.first?.jsonString("rateLimitType") == "REQUEST_WEIGHT")
            }
        }
    }

    @Test("Refusals carry REST's codes: -1121, -1013, -2010, -2011, -1102, -1104, -1021, -1022, -2015")
    func refusals() async throws {
        try await SimStreams.with(SimHTTP.quiet()) { sim in
            try await sim.wsAPI { ws in
                let limit: [String: Any] = [
                    "symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.01000",
                    "price": "1000.00",
                ]
                func expectCode(_ answer: [String: Any], _ code: Int, status: Int = 400) {
                    #expect(answer.wsStatus == status && answer.wsErrorCode == code, "\(answer)")
                }
                func place(_ id: Int, _ changes: [String: Any]) async throws -> [String: Any] {
                    try await ws.call(id, "order.place", limit.merging(changes) { $1 }, signed: true)
                }
                expectCode(try await place(1, ["symbol": "NOPEUSDT"]), -1121)
                expectCode(try await place(2, ["price": "1000.005"]), -1013)
                expectCode(try await place(3, ["side": "SELL", "quantity": "101", "price": "80000"]), -2010)
                let unknown: [String: Any] = ["symbol": "BTCUSDT", "orderId": 987_654]
                expectCode(try await ws.call(4, "order.cancel", unknown, signed: true), -2011)
                expectCode(try await ws.call(5, "order.status", ["symbol": "BTCUSDT"], signed: true), -1102)
                expectCode(try await place(6, ["colour": "red"]), -1104)

                var stale = ws.signed(limit, timestamp: SimHTTP.nowMillis() - 60_000)
                try await ws.send(["id": 7, "method": "order.place", "params": stale])
                expectCode(try #require(try await ws.reply(7)), -1021)

                stale = ws.signed(limit)
                let signature = stale["signature"] as! String
                stale["signature"] = (signature.first == "0" ? "1" : "0") + signature.dropFirst()
                try await ws.send(["id": 8, "method": "order.place", "params": stale])
                expectCode(try #require(try await ws.reply(8)), -1022)

                var stranger = ws
                stranger.apiKey = "not-a-key"
                expectCode(try await stranger.call(9, "account.status", [:], signed: true), -2015, status: 401)

                var unsigned = limit
                unsigned["apiKey"] = ws.apiKey
                unsigned["timestamp"] = SimHTTP.nowMillis()
                expectCode(try await ws.call(10, "order.place", unsigned), -1102)

                let orders = try await ws.call(11, "openOrders.status", ["symbol": "BTCUSDT"], signed: true)
                #expect((orders["result"] as? [Any])?.isEmpty == true, "no refused request left an order")
            }
        }
    }

    @Test("Numbers in params are signed as written; a form-encoded payload (Python's urlencode) verifies too")
    func paramSpelling() async throws {
        try await SimStreams.with(SimHTTP.quiet()) { sim in
            try await sim.wsAPI { ws in
                func frame(_ id: Int, clientId: String, payloadClientId: String) -> String {
                    let timestamp = SimHTTP.nowMillis()
                    let payload =
                        "apiKey=\(ws.apiKey)&newClientOrderId=\(payloadClientId)&newOrderRespType=RESULT&price=1000.0"
                        + "&quantity=0.01&side=BUY&symbol=BTCUSDT&timeInForce=GTC&timestamp=\(timestamp)&type=LIMIT"
                    let signature = RequestAuthenticator.signature(of: payload, secret: ws.apiSecret)
                    return #"{"id":"# + "\(id)" + #","method":"order.place","params":{"symbol":"BTCUSDT","side":"BUY","#
                        + #""type":"LIMIT","timeInForce":"GTC","price":1000.0,"quantity":0.01,"#
                        + #""newOrderRespType":"RESULT","#
                        + #""newClientOrderId":""# + clientId + #"","timestamp":"# + "\(timestamp)"
                        + #","apiKey":""# + ws.apiKey + #"","signature":""# + signature + #""}}"#
                }
                try await ws.sendText(frame(1, clientId: "ws:1", payloadClientId: "ws:1"))
                let raw = try #require(try await ws.reply(1))
                #expect(raw.wsStatus == 200, "\(raw)")
                #expect(raw.jsonObject("result").jsonString("price") == "1000.00000000")
                #expect(raw.jsonObject("result").jsonString("origQty") == "0.01000000")
                try await ws.sendText(frame(2, clientId: "ws:2", payloadClientId: "ws%3A2"))
                let encoded = try #require(try await ws.reply(2))
                #expect(encoded.wsStatus == 200 && encoded.jsonObject("result").jsonString("clientOrderId") == "ws:2")
                try await ws.sendText(frame(3, clientId: "ws:3", payloadClientId: "ws:4"))
                #expect(try await ws.reply(3)?.wsErrorCode == -1022)
            }
        }
    }

    @Test("The HMAC example of web-socket-api.md verifies (then -1021: old timestamp); a changed byte fails -1022")
    func documentedSignature() async throws {
        var configuration = SimHTTP.quiet()
        configuration.credentials = [
            APICredential(
                apiKey: "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
                apiSecret: "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j", account: "doc")
        ]
        try await SimStreams.with(configuration) { sim in
            try await sim.wsAPI { ws in
                let params: [String: Any] = [
                    "symbol": "BTCUSDT", "side": "SELL", "type": "LIMIT", "timeInForce": "GTC",
                    "quantity": "0.01000000", "price": "52000.00", "recvWindow": 100, "timestamp": 1_645_423_376_532,
                    "apiKey": "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
                ]
                #expect(
                    WSAPISession.payload(params)
                        == "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&price=52000.00"
                        + "&quantity=0.01000000&recvWindow=100&side=SELL&symbol=BTCUSDT&timeInForce=GTC"
                        + "&timestamp=1645423376532&type=LIMIT")
                let documented = "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24"
                try await ws.send([
                    "id": 1, "method": "order.place", "params": params.merging(["signature": documented]) { $1 },
                ])
                #expect(try await ws.reply(1)?.wsErrorCode == -1021)
                try await ws.send([
                    "id": 2, "method": "order.place",
                    "params": params.merging(["signature": documented.uppercased()]) { $1 },
                ])
                #expect(try await ws.reply(2)?.wsErrorCode == -1021, "HMAC signatures are case-insensitive")
                try await ws.send([
                    "id": 3, "method": "order.place",
                    "params": params.merging(["signature": "ba1b" + documented.dropFirst(4)]) { $1 },
                ])
                #expect(try await ws.reply(3)?.wsErrorCode == -1022)
            }
        }
    }
}

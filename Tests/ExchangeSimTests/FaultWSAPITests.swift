import Foundation
import Testing

@testable import ExchangeSim

/// Order faults and duplicated executionReports on the WebSocket API, as the engine's order
/// gateway meets them: `order-5xx` answers -1007 for an order that stands, `ack-delay` holds
/// an answer back while the order's events and other answers flow, and a `dup-exec` scoped to
/// one connection duplicates a report there only. Every wait is bounded and waits for an event.
@Suite("WebSocket API faults", .timeLimit(.minutes(1)))
struct FaultWSAPITests {
    /// A resting LIMIT BUY far below the market, with a client order id.
    static func order(_ clientId: String) -> [String: Any] {
        [
            "symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.01000",
            "price": "1000.00", "newClientOrderId": clientId,
        ]
    }

    static let unknownStatus =
        "Timeout waiting for response from backend server. Send status unknown; execution status unknown."

    /// The ids of the open WebSocket API connections, ascending (a connection is listed once it
    /// has answered a request).
    static func wsAPIConnections(_ sim: SimStreams) async throws -> [Int] {
        try await sim.http.openConnections().filter { $0["kind"] as? String == "ws-api" }
            .map { Int(int64(of: $0["id"])) }.sorted()
    }

    /// The executionReports received so far, unwrapped.
    static func reports(_ ws: WSAPISession) -> [[String: Any]] {
        ws.events.map(\.event).filter { $0.jsonString("e") == "executionReport" }
    }

    @Test("order-5xx:conn=ID answers -1007 on that connection only; the orders stand and their reports arrive")
    func unknownStatusOnOneConnection() async throws {
        try await SimStreams.with(SimHTTP.quiet()) { sim in
            try await sim.wsAPI { ws in
                _ = try await WSAPIUserDataTests.subscribe(ws, id: 1)
                try await sim.wsAPI { other in
                    _ = try await other.call(1, "ping")
                    let ids = try await Self.wsAPIConnections(sim)
                    try #require(ids.count == 2)
                    let target = ids[0]
                    #expect(try await sim.http.armFault("order-5xx:count=2,conn=\(target)").status == 200)

                    // Neither REST nor another connection takes a fault scoped to `target`.
                    let rest = try await sim.http.send(
                        .post, "/api/v3/order", body: FaultRESTTests.order, signed: true)
                    #expect(rest.status == 200)
                    let elsewhere = try await other.call(2, "order.place", Self.order("ws5xx-other"), signed: true)
                    #expect(elsewhere.wsStatus == 200)

                    let placed = try await ws.call(2, "order.place", Self.order("ws5xx-1"), signed: true)
                    #expect(placed.wsStatus == 503 && placed.wsErrorCode == -1007, "\(placed)")
                    #expect(placed.jsonObject("error").jsonString("msg") == Self.unknownStatus)
                    #expect(placed["result"] == nil)
                    let new = try await ws.events(count: 1) { $0.jsonString("c") == "ws5xx-1" }
                    #expect(new.first?.jsonString("x") == "NEW")
                    let orderId = try #require(new.first?.jsonInt("i"))

                    // order.status does not change orders: the fault leaves it alone.
                    let status = try await ws.call(
                        3, "order.status", ["symbol": "BTCUSDT", "origClientOrderId": "ws5xx-1"], signed: true)
                    #expect(status.wsStatus == 200)
                    #expect(status.jsonObject("result").jsonString("status") == "NEW")
                    #expect(status.jsonObject("result").jsonInt("orderId") == orderId)

                    // The second application: openOrders.cancelAll cancels, yet answers -1007.
                    let cancelled = try await ws.call(4, "openOrders.cancelAll", ["symbol": "BTCUSDT"], signed: true)
                    #expect(cancelled.wsStatus == 503 && cancelled.wsErrorCode == -1007)
                    let canceled = try await ws.events(count: 1) {
                        $0.jsonString("C") == "ws5xx-1" && $0.jsonString("x") == "CANCELED"
                    }
                    #expect(canceled.count == 1)
                    let after = try await ws.call(
                        5, "order.status", ["symbol": "BTCUSDT", "orderId": orderId], signed: true)
                    #expect(after.jsonObject("result").jsonString("status") == "CANCELED")

                    let next = try await ws.call(6, "order.place", Self.order("ws5xx-2"), signed: true)
                    #expect(next.wsStatus == 200, "count=2 is spent")

                    let logged = try await sim.http.faultLog(action: "order-5xx")
                    #expect(logged.count == 2)
                    #expect(logged.allSatisfy { int64(of: $0["connection"]) == Int64(target) })
                    #expect(logged.map { $0["request"] as? String } == ["order.place", "openOrders.cancelAll"])
                    #expect(int64(of: logged.first?["orderId"]) == orderId)
                }
            }
        }
    }

    @Test("ack-delay holds a WS order answer ≥ ms, while its executionReport and later answers arrive first")
    func delayedAnswer() async throws {
        try await SimStreams.with(SimHTTP.quiet()) { sim in
            try await sim.wsAPI { ws in
                _ = try await WSAPIUserDataTests.subscribe(ws, id: 1)
                #expect(try await sim.http.armFault("ack-delay:ms=1000,count=1").status == 200)
                let clock = ContinuousClock()
                let sent = clock.now
                try await ws.send(["id": 2, "method": "order.place", "params": ws.signed(Self.order("wsack-1"))])
                // Sent after the order, answered at once: the delayed answer does not hold it up.
                let ping = try await ws.call(3, "ping")
                #expect(ping.wsStatus == 200)
                let placed = try #require(try await ws.reply(2))
                let elapsed = clock.now - sent
                #expect(placed.wsStatus == 200, "\(placed)")
                #expect(elapsed >= .milliseconds(1000), "answered after \(elapsed)")

                let messages = ws.inbox.messages
                let answerAt = messages.firstIndex { int64(of: $0["id"]) == 2 }
                let pingAt = messages.firstIndex { int64(of: $0["id"]) == 3 }
                let reportAt = messages.firstIndex {
                    ($0["event"] as? [String: Any])?.jsonString("c") == "wsack-1"
                }
                let order = try #require(answerAt)
                #expect(try #require(reportAt) < order, "the NEW executionReport precedes the delayed answer")
                #expect(try #require(pingAt) < order, "a later request is answered before the delayed one")
                #expect(Self.reports(ws).first?.jsonString("x") == "NEW")

                _ = try await ws.call(4, "order.place", Self.order("wsack-2"), signed: true)
                let logged = try await sim.http.faultLog(action: "ack-delayed")
                #expect(logged.count == 1, "count=1: the second order is not delayed")
                let connection = try await Self.wsAPIConnections(sim).first
                #expect(int64(of: logged.first?["ms"]) == 1000)
                #expect(int64(of: logged.first?["connection"]) == Int64(try #require(connection)))
                #expect(logged.first?["request"] as? String == "order.place")
            }
        }
    }

    @Test("dup-exec:conn=ID sends exactly one executionReport twice, on that connection only")
    func scopedDuplicate() async throws {
        try await SimStreams.with(SimHTTP.quiet()) { sim in
            try await sim.wsAPI { target in
                _ = try await WSAPIUserDataTests.subscribe(target, id: 1)
                try await sim.wsAPI { other in
                    _ = try await WSAPIUserDataTests.subscribe(other, id: 1)
                    let ids = try await Self.wsAPIConnections(sim)
                    try #require(ids.count == 2)
                    #expect(try await sim.http.armFault("dup-exec:conn=\(ids[0])").status == 200)

                    _ = try await other.call(2, "order.place", Self.order("wsdup-1"), signed: true)
                    _ = try await other.call(3, "order.place", Self.order("wsdup-2"), signed: true)
                    // Each order: NEW, then the position; the target also gets one duplicate.
                    #expect(try await target.events(count: 5).count == 5)
                    #expect(try await other.events(count: 4).count == 4)

                    let duplicated = Self.reports(target)
                    #expect(duplicated.map { $0.jsonString("c") ?? "" } == ["wsdup-1", "wsdup-1", "wsdup-2"])
                    #expect(duplicated[0] as NSDictionary == duplicated[1] as NSDictionary)
                    #expect(Self.reports(other).map { $0.jsonString("c") ?? "" } == ["wsdup-1", "wsdup-2"])

                    let logged = try await sim.http.faultLog(action: "duplicated-execution-report")
                    #expect(logged.count == 1)
                    #expect(int64(of: logged.first?["connection"]) == Int64(ids[0]))
                }
            }
        }
    }

    @Test("The registry: scoped order faults reach their WS-API connection, never REST; global ones both")
    func orderFaultScopes() throws {
        let faults = FaultRegistry()
        func take(_ connection: Int?) -> FaultRegistry.OrderFaults {
            faults.takeOrderFaults(
                for: .init(name: "order.place", path: "/api/v3/order", connection: connection, orderId: nil))
        }
        let market = faults.openConnection(kind: .marketStream, path: "/ws")
        #expect(throws: FaultRegistry.ArmError.self) {
            try faults.arm(try FaultSpec(parsing: "order-5xx:conn=\(market)"))
        }
        try faults.arm(try FaultSpec(parsing: "ack-delay:ms=50,next=1"))
        #expect(take(nil).delayMillis == nil, "REST requests have no connection to take a next=N fault")
        let api = faults.openConnection(kind: .webSocketAPI, path: "/ws-api/v3")
        let other = faults.openConnection(kind: .webSocketAPI, path: "/ws-api/v3")
        #expect(take(other).delayMillis == nil)
        #expect(take(api).delayMillis == 50)
        #expect(take(api).delayMillis == 50, "ack-delay without count acts until cleared")

        try faults.arm(try FaultSpec(parsing: "order-5xx:count=2"))
        #expect(take(nil).unknownStatus)
        #expect(take(other).unknownStatus)
        #expect(!take(nil).unknownStatus && !take(other).unknownStatus)
        let logged = faults.logEntries().filter { $0.action == "order-5xx" }
        #expect(logged.map(\.connection) == [nil, other])
    }
}

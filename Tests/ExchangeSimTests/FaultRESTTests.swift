import ExchangeSim
import Foundation
import Testing

/// REST faults seen from a client: a 429 storm turning into a 418 ban, 503s on orders that
/// were placed, delayed acks; and the duplicated-executionReport registry the user data stream
/// asks.
@Suite("REST faults", .timeLimit(.minutes(1)))
struct FaultRESTTests {
    static let order: [(String, String)] = [
        ("symbol", "BTCUSDT"), ("side", "BUY"), ("type", "LIMIT"), ("timeInForce", "GTC"), ("quantity", "0.01000"),
        ("price", "1000.00"),
    ]

    @Test("rest-429:count=2 answers 429 twice with Retry-After, then 418 to a client that persists")
    func stormThenBan() async throws {
        var configuration = SimHTTP.quiet()
        configuration.banSeconds = 1
        try await SimHTTP.with(configuration) { sim in
            #expect(try await sim.armFault("rest-429:count=2,retry=3").status == 200)
            let answers = [
                try await sim.send(.get, "/api/v3/time"), try await sim.send(.get, "/api/v3/depth?symbol=BTCUSDT"),
                try await sim.send(.get, "/api/v3/time"),
            ]
            #expect(answers.map(\.status) == [429, 429, 418])
            #expect(answers.map { $0.header("Retry-After") } == ["3", "3", "1"])
            #expect(answers.allSatisfy { $0.code == -1003 })
            let refusals = try await sim.faultLog().filter {
                ["rest-429", "rest-418"].contains($0["action"] as? String)
            }
            #expect(refusals.map { int64(of: $0["status"]) } == [429, 429, 418])
            try await Task.sleep(for: .milliseconds(1100))
            #expect(try await sim.send(.get, "/api/v3/time").status == 200, "the ban ends after Retry-After")
        }
    }

    @Test("A client that waits Retry-After after the storm is not banned")
    func stormHonoured() async throws {
        try await SimHTTP.with(SimHTTP.quiet()) { sim in
            #expect(try await sim.armFault("rest-429:count=1,retry=1").status == 200)
            let refused = try await sim.send(.get, "/api/v3/time")
            #expect(refused.status == 429 && refused.header("Retry-After") == "1")
            try await Task.sleep(for: .milliseconds(1050))
            #expect(try await sim.send(.get, "/api/v3/time").status == 200)
        }
    }

    @Test("order-5xx answers 503/-1007 but the order is placed and visible through GET /api/v3/order")
    func unknownStatusOrderExists() async throws {
        try await SimHTTP.with(SimHTTP.quiet()) { sim in
            #expect(try await sim.armFault("order-5xx:count=1").status == 200)
            let placed = try await sim.send(
                .post, "/api/v3/order", body: Self.order + [("newClientOrderId", "fault5xx1")], signed: true)
            #expect(placed.status == 503)
            #expect(placed.code == -1007)
            let message = "Timeout waiting for response from backend server. Send status unknown; execution status unknown."
            #expect(placed.object["msg"] as? String == message)
            let queried = try await sim.send(
                .get, "/api/v3/order", query: [("symbol", "BTCUSDT"), ("origClientOrderId", "fault5xx1")], signed: true)
            #expect(queried.status == 200)
            #expect(queried.object["status"] as? String == "NEW")
            let logged = try await sim.faultLog(action: "order-5xx")
            #expect(logged.count == 1 && int64(of: logged[0]["orderId"]) == int64(of: queried.object["orderId"]))
            let next = try await sim.send(.post, "/api/v3/order", body: Self.order, signed: true)
            #expect(next.status == 200, "count=1 is spent")
        }
    }

    @Test("ack-delay:ms=300 holds the order answer at least 300 ms, once")
    func delayedAck() async throws {
        try await SimHTTP.with(SimHTTP.quiet()) { sim in
            #expect(try await sim.armFault("ack-delay:ms=300,count=1").status == 200)
            let clock = ContinuousClock()
            var answer: SimHTTP.Answer?
            let delayed = try await clock.measure {
                answer = try await sim.send(.post, "/api/v3/order", body: Self.order, signed: true)
            }
            #expect(answer?.status == 200)
            #expect(delayed >= .milliseconds(300), "answered after \(delayed)")
            _ = try await sim.send(.post, "/api/v3/order", body: Self.order, signed: true)
            let logged = try await sim.faultLog(action: "ack-delayed")
            #expect(logged.count == 1 && int64(of: logged[0]["ms"]) == 300)
        }
    }

    @Test("dup-exec: the registry says 'duplicate' as many times as armed, per connection or globally")
    func duplicateExecutionReportRegistry() throws {
        let faults = FaultRegistry()
        try faults.arm(try FaultSpec(parsing: "dup-exec:count=2"))
        #expect(faults.shouldDuplicateExecutionReport(connection: nil))
        #expect(faults.shouldDuplicateExecutionReport(connection: nil))
        #expect(!faults.shouldDuplicateExecutionReport(connection: nil))

        let market = faults.openConnection(kind: .marketStream, path: "/ws")
        let api = faults.openConnection(kind: .webSocketAPI, path: "/ws-api/v3")
        let other = faults.openConnection(kind: .webSocketAPI, path: "/ws-api/v3")
        #expect(throws: FaultRegistry.ArmError.self) {
            try faults.arm(try FaultSpec(parsing: "dup-exec:conn=\(market)"))
        }
        try faults.arm(try FaultSpec(parsing: "dup-exec:conn=\(api)"))
        #expect(!faults.shouldDuplicateExecutionReport(connection: other))
        #expect(faults.shouldDuplicateExecutionReport(connection: api))
        #expect(!faults.shouldDuplicateExecutionReport(connection: api))

        try faults.arm(try FaultSpec(parsing: "dup-exec:next=1"))
        let next = faults.openConnection(kind: .userData, path: "/ws/listenKey")
        #expect(faults.shouldDuplicateExecutionReport(connection: next))
        #expect(!faults.shouldDuplicateExecutionReport(connection: next))
        let logged = faults.logEntries().filter { $0.action == "duplicated-execution-report" }
        #expect(logged.map(\.connection) == [nil, nil, api, next])
    }
}

import ExchangeSim
import Foundation
import Testing

/// Server pings on market streams, and the drop of a connection that stops answering them.
@Suite("Server pings and pong timeout", .timeLimit(.minutes(1)))
struct PingTests {
    static func configuration() -> ExchangeSimServer.Configuration {
        var configuration = SimHTTP.quiet()
        configuration.pingIntervalMillis = 200
        configuration.pongTimeoutMillis = 600
        return configuration
    }

    @Test("A client that answers is pinged about every 200 ms and stays connected")
    func answeredPingsKeepTheConnection() async throws {
        var configuration = Self.configuration()
        configuration.pongTimeoutMillis = 3000  // generous: a loaded machine can delay a pong
        try await SimStreams.with(configuration) { sim in
            let socket = try await RawWebSocket(port: sim.port, path: "/ws/btcusdt@trade")
            defer { socket.shutdown() }
            try await Task.sleep(for: .milliseconds(2000))
            let pings = socket.frames.filter { $0.opcode == 9 }
            #expect((4...12).contains(pings.count), "\(pings.count) pings in 2 s")
            #expect(socket.closedAt == nil)
            #expect(try await sim.http.openConnections().count == 1)
            #expect(try await sim.http.faultLog().filter { $0["action"] as? String == "pong-timeout" }.isEmpty)
        }
    }

    @Test("A client that stops answering is closed once a ping is 600 ms late, and it is logged")
    func unansweredPingsDropTheConnection() async throws {
        try await SimStreams.with(Self.configuration()) { sim in
            let socket = try await RawWebSocket(port: sim.port, path: "/ws/btcusdt@trade", answerPings: false)
            defer { socket.shutdown() }
            let opened = ContinuousClock.now
            #expect(await socket.wait(seconds: 5) { $0.closedAt != nil })
            let lasted = try #require(socket.closedAt) - opened
            #expect(lasted >= .milliseconds(750) && lasted < .milliseconds(2500), "closed after \(lasted)")
            let close = try #require(socket.frames.first { $0.opcode == 8 })
            #expect(close.text.contains("pong timeout"))
            let logged = try await sim.http.faultLog(action: "pong-timeout")
            #expect(logged.count == 1 && int64(of: logged[0]["ms"]) == 600)
            #expect(try await sim.http.openConnections().isEmpty)
        }
    }
}

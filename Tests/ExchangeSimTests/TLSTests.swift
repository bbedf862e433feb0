import AsyncHTTPClient
import ExchangeSim
import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import NIOSSL
import Testing

/// https and wss on one port, verified against the CA certificate the venue writes at start.
@Suite("TLS: https and wss with the simulator's own CA", .timeLimit(.minutes(1)))
struct TLSTests {
    /// Runs a TLS server for `body`, with its port and CA path.
    static func withTLSServer(
        caPath: String? = nil, _ body: @escaping @Sendable (Int, String) async throws -> Void
    ) async throws {
        var configuration = SimHTTP.quiet()
        configuration.participantIntervalMillis = 20
        configuration.tls = .init(caCertificatePath: caPath)
        let server = try ExchangeSimServer(configuration: configuration)
        let ca = try #require(server.caCertificatePath)
        #expect(server.httpScheme == "https" && server.webSocketScheme == "wss")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            try await body(await server.port(), ca)
            group.cancelAll()
        }
    }

    /// A client configuration trusting only the CA file.
    static func trusting(_ ca: String) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(ca)
        return tls
    }

    @Test("https answers a client that trusts the CA file, by IP and by localhost; other clients fail verification")
    func httpsVerifiesAgainstTheCA() async throws {
        try await Self.withTLSServer { port, ca in
            let pem = try String(contentsOfFile: ca, encoding: .utf8)
            #expect(pem.hasPrefix("-----BEGIN CERTIFICATE-----"))
            let client = HTTPClient(
                eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: Self.trusting(ca)))
            let stranger = HTTPClient(eventLoopGroupProvider: .singleton)
            do {
                for host in ["127.0.0.1", "localhost"] {
                    let response = try await client.execute(
                        HTTPClientRequest(url: "https://\(host):\(port)/api/v3/time"), timeout: .seconds(5))
                    #expect(response.status.code == 200, "\(host)")
                    let body = try await response.body.collect(upTo: 1 << 16)
                    #expect(String(buffer: body).contains("serverTime"))
                }
                await #expect(throws: (any Error).self) {
                    _ = try await stranger.execute(
                        HTTPClientRequest(url: "https://127.0.0.1:\(port)/api/v3/time"), timeout: .seconds(2))
                }
            } catch {
                try? await client.shutdown()
                try? await stranger.shutdown()
                throw error
            }
            try await client.shutdown()
            try await stranger.shutdown()
        }
    }

    @Test(
        "wss streams to a client that trusts the CA file (by localhost: clients send no IP as SNI); others fail"
    )
    func wssVerifiesAgainstTheCA() async throws {
        let dir = NSTemporaryDirectory() + "tickwire-tls-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await Self.withTLSServer(caPath: dir + "/ca.pem") { port, ca in
            #expect(ca == dir + "/ca.pem")
            #expect(FileManager.default.fileExists(atPath: ca))
            var logger = Logger(label: "TLSTests")
            logger.logLevel = .critical
            let inbox = StreamInbox()
            try await WebSocketClient.connect(
                url: "wss://localhost:\(port)/ws/btcusdt@depth@100ms", configuration: .init(maxFrameSize: 1 << 20),
                tlsConfiguration: Self.trusting(ca), logger: logger
            ) { inbound, outbound, _ in
                var iterator = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                if case .text(let text) = try await iterator.next() { inbox.append(text) }
                try await outbound.close(.normalClosure, reason: nil)
            }
            #expect(inbox.messages.first?["e"] as? String == "depthUpdate")

            let refused = StreamInbox()
            await #expect(throws: (any Error).self) {
                try await WebSocketClient.connect(
                    url: "wss://localhost:\(port)/ws/btcusdt@depth@100ms",
                    tlsConfiguration: TLSConfiguration.makeClientConfiguration(), logger: logger
                ) { inbound, _, _ in
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        if case .text(let text) = message { refused.append(text) }
                    }
                }
            }
            #expect(refused.messages.isEmpty)
        }
    }
}

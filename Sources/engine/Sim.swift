import ArgumentParser
import ExchangeSim
import Foundation
import Logging

/// `engine sim`: runs the simulated Binance venue (spot and USD-M futures REST, market streams,
/// WebSocket API) on loopback until SIGINT or SIGTERM, printing its URLs, the CA certificate
/// with `--tls`, and the test account's credentials. Bad flags are one line on stderr and
/// exit status 2.
struct Sim: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the simulated Binance venue on loopback until SIGINT/SIGTERM.")

    @Option(help: "Address to bind (loopback by default).")
    var host: String = "127.0.0.1"

    @Option(help: "Port to bind; 0 picks a free one (printed).")
    var port: String = "0"

    @Flag(help: "Serve https and wss with a CA made at start (its certificate's path is printed).")
    var tls = false

    @Option(
        name: .customLong("ca-out"), help: "Where to write the CA certificate (PEM) with --tls; default a temp file.")
    var caOut: String?

    @Option(help: "Comma-separated symbols from the built-in table.")
    var symbols: String = SimSymbol.builtIn.map(\.symbol).joined(separator: ",")

    @Option(help: "Recorded market data to replay (repeatable).")
    var replay: [String] = []

    @Option(help: "Replay pace with --replay: recorded, a multiplier (10, 0.5x) or max.")
    var speed: String?

    @Option(help: "Seed of the venue's liquidity and generated client order ids.")
    var seed: String = "1"

    @Option(
        help: ArgumentHelp(
            "A fault to inject (repeatable), e.g. disconnect:after=500, drop-diff:symbol=BTCUSDT,after=100, "
                + "stall:after=100,ms=5000, rest-429:count=20, order-5xx:count=1, ack-delay:ms=300; "
                + "scope with conn=ID or next=N."))
    var fault: [String] = []

    @Option(name: .customLong("ping-interval-ms"), help: "Server ping interval on market streams (0: never).")
    var pingIntervalMillis: String = "20000"

    @Option(name: .customLong("pong-timeout-ms"), help: "Drop a stream whose pong is this late (0: never).")
    var pongTimeoutMillis: String = "60000"

    @Option(name: .customLong("api-key"), help: "API key of the test account.")
    var apiKey: String = ExchangeSimServer.Configuration.defaultAPIKey

    @Option(name: .customLong("api-secret"), help: "API secret of the test account.")
    var apiSecret: String = ExchangeSimServer.Configuration.defaultAPISecret

    @Option(name: .customLong("weight-limit"), help: "REQUEST_WEIGHT per minute per IP.")
    var weightLimit: String = "6000"

    func run() throws {
        let configuration = try simConfiguration()
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let server: ExchangeSimServer
        do {
            server = try ExchangeSimServer(configuration: configuration)
        } catch {
            throw fail("cannot start the venue: \(error)")
        }
        let outcome = SimOutcome()
        let finished = DispatchSemaphore(value: 0)
        Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    do { try await server.runUntilSignalled() } catch { outcome.fail(error) }
                }
                group.addTask {
                    let bound = await server.port()
                    guard bound > 0 else { return }
                    for line in Self.banner(server, port: bound) { print(line) }
                    flushOutput()
                }
                await group.waitForAll()
            }
            finished.signal()
        }
        finished.wait()
        if let error = outcome.error { throw fail("sim stopped: \(error)") }
    }

    /// The configuration the flags describe; a bad flag exits 2 with one line.
    func simConfiguration() throws -> ExchangeSimServer.Configuration {
        guard let port = Int(port), (0...65535).contains(port) else {
            throw fail("--port must be 0...65535, got '\(self.port)'", code: 2)
        }
        guard let seed = UInt64(seed) else {
            throw fail("--seed must be a non-negative integer, got '\(self.seed)'", code: 2)
        }
        guard let weightLimit = Int(weightLimit), weightLimit > 0 else {
            throw fail("--weight-limit must be a positive integer, got '\(self.weightLimit)'", code: 2)
        }
        guard let ping = Int(pingIntervalMillis), ping >= 0, let pong = Int(pongTimeoutMillis), pong >= 0 else {
            throw fail("--ping-interval-ms and --pong-timeout-ms must be non-negative integers", code: 2)
        }
        guard !host.isEmpty else { throw fail("--host must not be empty", code: 2) }
        if caOut != nil && !tls { throw fail("--ca-out needs --tls", code: 2) }
        if speed != nil && replay.isEmpty { throw fail("--speed needs --replay FILE", code: 2) }
        var listed: [SimSymbol] = []
        for name in symbols.split(separator: ",", omittingEmptySubsequences: false) {
            guard let symbol = SimSymbol.named(String(name)) else {
                let known = SimSymbol.builtIn.map(\.symbol).joined(separator: ",")
                throw fail("unknown symbol '\(name)'; known: \(known)", code: 2)
            }
            guard !listed.contains(where: { $0.symbol == symbol.symbol }) else {
                throw fail("symbol '\(name)' given twice", code: 2)
            }
            listed.append(symbol)
        }
        var configuration = ExchangeSimServer.Configuration(
            host: host, port: port, symbols: listed, apiKey: apiKey, apiSecret: apiSecret, seed: seed,
            weightLimit: weightLimit)
        configuration.pingIntervalMillis = ping
        configuration.pongTimeoutMillis = pong
        if tls { configuration.tls = .init(caCertificatePath: caOut) }
        for text in fault {
            do throws(FaultSpecError) {
                configuration.faults.append(try FaultSpec(parsing: text))
            } catch {
                throw fail("--fault: \(error.description)", code: 2)
            }
        }
        if !replay.isEmpty {
            do throws(ReplayError) {
                let pace = try speed.map { text throws(ReplayError) in try ReplayConfiguration.Speed(parsing: text) }
                configuration.replay = try ReplayConfiguration(files: replay, speed: pace ?? .recorded)
            } catch {
                throw fail("--replay: \(error.description)", code: 2)
            }
        }
        return configuration
    }

    /// The lines printed once the server listens.
    static func banner(_ server: ExchangeSimServer, port: Int) -> [String] {
        let configuration = server.configuration
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        let http = "\(server.httpScheme)://\(host):\(port)"
        let ws = "\(server.webSocketScheme)://\(host):\(port)"
        var lines = [
            "rest-url: \(http)", "python-binance API_URL: \(http)/api", "ws-url: \(ws)/ws",
            "ws-stream-url: \(ws)/stream", "ws-api-url: \(ws)/ws-api/v3",
        ]
        if !configuration.futures.symbols.isEmpty {
            lines += [
                "futures-rest-url: \(http)/fapi", "futures-ws-url: \(ws)/fstream/ws",
                "futures-ws-stream-url: \(ws)/fstream/stream", "futures-ws-api-url: \(ws)/ws-fapi/v1",
            ]
        }
        lines.append("admin-faults-url: \(http)/admin/faults")
        if let path = server.caCertificatePath { lines.append("ca-certificate: \(path)") }
        if let replay = configuration.replay {
            lines.append("replay: \(replay.files.joined(separator: ",")) at \(replay.speed)")
        }
        if !configuration.faults.isEmpty {
            lines.append("faults: \(configuration.faults.map(\.description).joined(separator: " "))")
        }
        lines += [
            "api-key: \(configuration.credentials[0].apiKey)",
            "api-secret: \(configuration.credentials[0].apiSecret)",
            "symbols: \(configuration.symbols.map(\.symbol).joined(separator: ","))",
        ]
        return lines
    }
}

/// The error the server stopped with, if any, handed from its task to the command.
private final class SimOutcome: @unchecked Sendable {
    private let lock = NSLock()
    private var failure: (any Error)?

    /// Records an error.
    func fail(_ error: any Error) { lock.withLock { failure = error } }

    /// The recorded error.
    var error: (any Error)? { lock.withLock { failure } }
}

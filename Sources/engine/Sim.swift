import ArgumentParser
import ExchangeSim
import Foundation

/// `engine sim`: runs the simulated Binance spot venue's REST API on loopback until SIGINT or
/// SIGTERM, printing its URL and the test account's credentials.
struct Sim: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the simulated Binance spot venue (REST API) until SIGINT/SIGTERM.")

    @Option(help: "Address to bind (loopback by default).")
    var host: String = "127.0.0.1"

    @Option(help: "Port to bind; 0 picks a free one (printed).")
    var port: Int = 0

    @Option(help: "Comma-separated symbols from the built-in table.")
    var symbols: String = SimSymbol.builtIn.map(\.symbol).joined(separator: ",")

    @Option(help: "Seed of the venue's liquidity and generated client order ids.")
    var seed: UInt64 = 1

    @Option(name: .customLong("api-key"), help: "API key of the test account.")
    var apiKey: String = ExchangeSimServer.Configuration.defaultAPIKey

    @Option(name: .customLong("api-secret"), help: "API secret of the test account.")
    var apiSecret: String = ExchangeSimServer.Configuration.defaultAPISecret

    @Option(name: .customLong("weight-limit"), help: "REQUEST_WEIGHT per minute per IP.")
    var weightLimit: Int = 6000

    func run() throws {
        var listed: [SimSymbol] = []
        for name in symbols.split(separator: ",") {
            guard let symbol = SimSymbol.named(String(name)) else {
                let known = SimSymbol.builtIn.map(\.symbol).joined(separator: ", ")
                throw ValidationError("unknown symbol \(name); available: \(known)")
            }
            listed.append(symbol)
        }
        let configuration = ExchangeSimServer.Configuration(
            host: host, port: port, symbols: listed, apiKey: apiKey, apiSecret: apiSecret, seed: seed,
            weightLimit: weightLimit)
        let server: ExchangeSimServer
        do {
            server = try ExchangeSimServer(configuration: configuration)
        } catch {
            throw ValidationError("cannot build the venue: \(error)")
        }
        let banner: @Sendable (Int) -> [String] = { port in
            let url = "http://\(configuration.host):\(port)"
            return [
                "rest-url: \(url)", "python-binance API_URL: \(url)/api",
                "ws-url: ws://\(configuration.host):\(port)/ws",
                "ws-stream-url: ws://\(configuration.host):\(port)/stream",
                "api-key: \(configuration.credentials[0].apiKey)",
                "api-secret: \(configuration.credentials[0].apiSecret)",
                "symbols: \(configuration.symbols.map(\.symbol).joined(separator: ","))",
            ]
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
                    for line in banner(bound) { print(line) }
                    flushOutput()
                }
                await group.waitForAll()
            }
            finished.signal()
        }
        finished.wait()
        if let error = outcome.error { throw ValidationError("sim stopped: \(error)") }
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

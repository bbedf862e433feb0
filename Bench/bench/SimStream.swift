import ArgumentParser
import ExchangeSim
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `bench sim-stream`: how many WebSocket messages a second ExchangeSim streams on loopback
/// in its fastest replay mode (max pace: as fast as the sockets take, with backpressure).
///
/// The venue runs in this process; each client is a plain blocking socket on its own thread
/// that does the WebSocket upgrade and then only splits the byte stream into frames and
/// counts them, so the client costs little beside the server. The rate is messages received
/// over the time from the first message to the last, summed over connections.
struct SimStream: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim-stream",
        abstract: "WebSocket messages/s ExchangeSim streams on loopback when replaying at max pace.")

    @Option(help: "Recorded file to replay (hftbacktest or cryptofeed format, plain or gzip).")
    var file = "Tests/Data/binance/hftbacktest_spot_btcusdt_20240808.first15000lines.gz"

    @Option(help: "Times the file is played back to back.")
    var passes = 20

    @Option(help: "Client connections, each subscribed to every recorded stream (combined).")
    var connections = 1

    @Option(help: "Serve the file as spot (/stream) or usdm (/fstream/stream); default: detected from the file.")
    var market: String?

    @Option(help: "The rate to meet, messages/s (exit status 1 below it).")
    var target = 200_000.0

    @Flag(help: "One JSON object instead of the text report.")
    var json = false

    func validate() throws {
        guard passes >= 1, connections >= 1 else { throw ValidationError("--passes and --connections must be ≥ 1") }
        guard market.map({ SimMarket(rawValue: $0) != nil }) ?? true else {
            throw ValidationError("--market must be spot or usdm")
        }
    }

    func run() throws {
        let source = ReplaySource(path: file, market: market.flatMap(SimMarket.init(rawValue:)))
        var replay = try ReplayConfiguration(sources: [source], speed: .max)
        replay.passes = passes
        replay.subscribersToStart = connections
        let recording = replay.recording
        let market: SimMarket = recording.messageCount(of: .usdm) > recording.messageCount(of: .spot) ? .usdm : .spot
        let path = (market == .spot ? "" : "/fstream") + "/stream?streams="
            + recording.recordedStreams(market).joined(separator: "/")
        var configuration = ExchangeSimServer.Configuration()
        configuration.participantIntervalMillis = 0
        configuration.warmUpSteps = 0
        configuration.replay = replay
        let server = try ExchangeSimServer(configuration: configuration)
        let serving = Task { try await server.run() }
        defer { serving.cancel() }
        let port = Blocking.run { await server.port() }
        guard port > 0 else { throw fail("the venue did not start", code: 2) }

        let expected = recording.messageCount(of: market) * passes
        // One thread per client: they block on their sockets, and the replay starts only once
        // all of them are connected.
        let results = ClientResults(count: connections)
        let done = DispatchGroup()
        for index in 0..<connections {
            done.enter()
            let thread = Thread {
                results.set(index, FrameCounter.run(port: port, path: path, expected: expected))
                done.leave()
            }
            thread.start()
        }
        done.wait()
        try report(results.all, expected: expected, market: market)
    }

    /// Prints the rates; fails below the target.
    private func report(_ results: [FrameCounter.Result], expected: Int, market: SimMarket) throws {
        let received = results.reduce(0) { $0 + $1.messages }
        let bytes = results.reduce(0) { $0 + $1.bytes }
        let first = results.compactMap(\.first).min() ?? 0
        let last = results.compactMap(\.last).max() ?? 0
        let seconds = Double(last &- first) / 1e9
        let rate = seconds > 0 ? Double(received) / seconds : 0
        if json {
            print(
                "{\"scenario\":\"sim-stream\",\"market\":\"\(market.rawValue)\",\"connections\":\(connections),"
                    + "\"messages\":\(received),\"expected\":\(expected * connections),\"bytes\":\(bytes),"
                    + "\"seconds\":\(seconds),\"messagesPerSecond\":\(Int(rate)),\"target\":\(Int(target))}")
        } else {
            print("sim-stream: \(file) × \(passes), \(connections) connection(s), \(market.rawValue)")
            print(String(format: "  %d of %d messages, %.1f MB in %.3f s", received, expected * connections,
                Double(bytes) / 1e6, seconds))
            let verdict = rate >= target ? "met" : "MISSED"
            print(String(format: "  %.0f messages/s (target %.0f): %@", rate, target, verdict))
        }
        if let error = results.compactMap(\.error).first { throw fail(error, code: 2) }
        if received < expected * connections { throw fail("some messages never arrived", code: 2) }
        if rate < target { throw ExitCode(1) }
    }
}

/// Runs async work from synchronous code, waiting for its result.
enum Blocking {
    static func run<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task {
            box.value = await body()
            done.signal()
        }
        done.wait()
        return box.value!
    }

    /// A value handed from the task to the waiting thread (the semaphore orders the accesses).
    private final class ResultBox<T>: @unchecked Sendable {
        var value: T?
    }
}

/// The clients' results, one slot per client.
final class ClientResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [FrameCounter.Result]

    init(count: Int) {
        results = Array(repeating: FrameCounter.Result(), count: count)
    }

    func set(_ index: Int, _ result: FrameCounter.Result) {
        lock.withLock { results[index] = result }
    }

    var all: [FrameCounter.Result] { lock.withLock { results } }
}

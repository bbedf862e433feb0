import Account
import ArgumentParser
import ControlPlane
import EngineModel
import Foundation
import Histogram
import Logging
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `bench control`: the control plane's answer times and the cost of its dashboard fan-out.
///
/// The product's server (ControlPlane on Hummingbird) runs in this process over an engine-shaped
/// source: an account snapshot of a busy desk (40 positions, 200 orders, 12 balances) in the real
/// AccountStateStore, three 20-level books that move on every read. The client is a blocking
/// socket on its own thread with keep-alive. Floor: the same round trip through the same server
/// to an answer that does no work (the 426 of a plain GET on /ws/dashboard), in the same run.
/// Fan-out: K dashboard clients (tui, 100 ms) on threads of their own; the server's CPU per client
/// per second is the process CPU minus the clients' own threads' CPU, less the idle baseline.
/// Fails when an answer is not 200 or a client receives nothing.
struct ControlBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "control",
        abstract: "Control plane: HTTP answer times beside a no-work floor, dashboard fan-out cost per client.")

    @Option(help: "Requests per endpoint.")
    var requests = 2000

    @Option(help: "Dashboard client counts to measure (comma-separated).")
    var clients = "1,10,50"

    @Option(help: "Seconds each fan-out run lasts.")
    var seconds = 5.0

    func validate() throws {
        guard requests >= 100 else { throw ValidationError("--requests must be at least 100") }
        guard clientCounts != nil else {
            throw ValidationError("--clients must be positive whole numbers, e.g. 1,10,50")
        }
        guard seconds >= 1 else { throw ValidationError("--seconds must be at least 1") }
    }

    var clientCounts: [Int]? {
        let counts = clients.split(separator: ",").map { Int($0) }
        return counts.allSatisfy({ ($0 ?? 0) > 0 && ($0 ?? 0) <= 500 }) && !counts.isEmpty ? counts.map { $0! } : nil
    }

    func run() throws {
        let source = BenchSource()
        var settings = ControlSettings(token: "bench-token-0123456789")
        settings.port = 0
        var logger = Logger(label: "bench-control")
        logger.logLevel = .error
        let server = ControlServer(source: source, settings: settings, logger: logger)
        let group = ServiceGroup(configuration: .init(services: server.services(), logger: logger))
        Task { _ = try? await group.run() }
        let port = Blocking.run { await server.port() }
        guard port > 0 else { throw fail("the control plane did not bind", code: 2) }
        defer { Blocking.run { await group.triggerGracefulShutdown() } }
        print("control plane: GET answer times over one keep-alive connection, \(requests) requests each")
        let client = try HTTPProbe(port: port)
        let floor = try client.time("/ws/dashboard", expect: 426, count: requests)
        func column(_ text: String) -> String { text.padding(toLength: 30, withPad: " ", startingAt: 0) }
        print(
            "  " + column("no-work answer (floor)")
                + String(format: "p50 %7.1f µs  p99 %7.1f µs", floor.p50, floor.p99)
        )
        for path in ["/health", "/api/status", "/api/account/snapshot", "/api/books/AAAUSDT?depth=20", "/metrics"] {
            let t = try client.time(path, expect: 200, count: requests)
            print(
                "  " + column(path)
                    + String(
                        format: "p50 %7.1f µs  p99 %7.1f µs  max %7.1f µs  %6d bytes  p50 %.1fx floor",
                        t.p50, t.p99, t.max, t.bytes, t.p50 / max(floor.p50, 0.001)))
        }
        print("dashboard fan-out (tui clients, 100 ms), server CPU beside the idle baseline:")
        let idle = cpuSeconds(during: seconds) {}
        for k in clientCounts ?? [] {
            let received = Mutex<[Int]>(Array(repeating: 0, count: k))
            let clientCPU = Mutex<Double>(0)
            let total = cpuSeconds(during: seconds) {
                let threads = (0..<k).map { i in
                    Thread {
                        let start = threadCPU()
                        let r = FrameCounter.run(
                            port: port, path: "/ws/dashboard?client=tui", expected: Int(seconds * 10))
                        received.withLock { $0[i] = r.messages }
                        clientCPU.withLock { $0 += threadCPU() - start }
                    }
                }
                threads.forEach { $0.start() }
                while received.withLock({ $0.contains(0) }) || threads.contains(where: { !$0.isFinished }) {
                    usleep(20_000)
                }
            }
            let messages = received.withLock { $0.reduce(0, +) }
            guard received.withLock({ !$0.contains(0) }) else {
                throw fail("a dashboard client received nothing", code: 2)
            }
            let server = max(0, total.cpu - clientCPU.withLock { $0 } - idle.cpu * total.wall / idle.wall)
            print(
                String(
                    format: "  %3d clients: %6d messages, server %.0f µs CPU per client-second, %.1f µs per message",
                    k, messages, server / total.wall / Double(k) * 1e6, server / Double(messages) * 1e6))
        }
    }

    /// Process CPU (user+system) and wall seconds spent while `body` runs (at least `seconds`).
    func cpuSeconds(during seconds: Double, _ body: () -> Void) -> (cpu: Double, wall: Double) {
        let startCPU = processCPU()
        let start = Date()
        body()
        let remaining = seconds - Date().timeIntervalSince(start)
        if remaining > 0 { usleep(UInt32(remaining * 1e6)) }
        return (processCPU() - startCPU, Date().timeIntervalSince(start))
    }
}

/// CPU seconds of the whole process, and of the calling thread.
func processCPU() -> Double { cpu(CLOCK_PROCESS_CPUTIME_ID) }
func threadCPU() -> Double { cpu(CLOCK_THREAD_CPUTIME_ID) }

private func cpu(_ clock: clockid_t) -> Double {
    var ts = timespec()
    clock_gettime(clock, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// A keep-alive HTTP/1.1 client on a blocking socket: one request at a time, the answer read by
/// its Content-Length.
final class HTTPProbe {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        guard connectLoopback(fd, port: port) == 0 else { throw ValidationError("connect: errno \(errno)") }
    }

    deinit { close(fd) }

    /// `count` GETs of `path`; µs percentiles of the round trip and the body size.
    func time(_ path: String, expect: Int, count: Int) throws -> (p50: Double, p99: Double, max: Double, bytes: Int) {
        var histogram = Histogram<UInt64>(highestTrackableValue: 10_000_000_000, numberOfSignificantValueDigits: .three)
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        var bytes = 0
        for i in 0..<(count + count / 10) {
            let start = DispatchTime.now().uptimeNanoseconds
            guard write(fd, request, request.count) == request.count else {
                throw ValidationError("write: errno \(errno)")
            }
            let (status, body) = try readResponse()
            let took = DispatchTime.now().uptimeNanoseconds - start
            guard status == expect, body > 0 else { throw ValidationError("\(path): status \(status), \(body) bytes") }
            bytes = body
            if i >= count / 10 { histogram.record(took) }  // the first tenth warms up
        }
        func us(_ p: Double) -> Double { Double(histogram.valueAtPercentile(p)) / 1000 }
        return (us(50), us(99), Double(histogram.max) / 1000, bytes)
    }

    private var buffer: [UInt8] = []

    /// Status and body length of one response.
    private func readResponse() throws -> (Int, Int) {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if let end = headerEnd() {
                let head = String(decoding: buffer[..<end], as: UTF8.self)
                let lines = head.split(separator: "\r\n")
                let status = lines.first.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
                let length =
                    lines.compactMap { line -> Int? in
                        let parts = line.split(separator: ":", maxSplits: 1)
                        return parts.count == 2 && parts[0].lowercased() == "content-length"
                            ? Int(parts[1].trimmingCharacters(in: .whitespaces)) : nil
                    }.first ?? 0
                if buffer.count >= end + 4 + length {
                    buffer.removeFirst(end + 4 + length)
                    return (status, length)
                }
            }
            let n = read(fd, &chunk, chunk.count)
            guard n > 0 else { throw ValidationError("the server closed the connection") }
            buffer += chunk[..<n]
        }
    }

    private func headerEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for i in 0...(buffer.count - 4)
        where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 {
            return i
        }
        return nil
    }
}

/// An engine-shaped source: a busy desk's account in the real AccountStateStore, and books that
/// move on every read.
final class BenchSource: ControlSource, Sendable {
    let feed = AccountFeed(store: AccountStateStore(), broadcaster: AccountBroadcaster())
    let tick = Atomic<Int64>(0)
    let symbols = ["AAAUSDT", "BBBUSDT", "CCCUSDT"]

    init() {
        var snapshot = AccountSnapshot()
        snapshot.version = 1
        for i in 0..<12 {
            let asset = "A\(i)"
            snapshot.balances[asset] = BalanceEntry(
                asset: asset, total: Amount(e8: 1_000_000_000 + Int64(i)), available: Amount(e8: 900_000_000),
                source: .stream,
                updatedNs: 1)
        }
        for i in 0..<40 {
            let key = PositionKey(strategyId: UInt32(i % 4), symbol: "S\(i)USDT")
            var p = PositionEntry(
                key: key, market: .spot, size: SignedSize(mantissa: Int64(i + 1) * 1000, exponent: -5))
            p.entryPrice = Amount(e8: 6_500_000_000_000)
            p.markPrice = Amount(e8: 6_500_100_000_000)
            snapshot.positions[key] = p
        }
        for i in 0..<200 {
            let id = "order-\(i)"
            snapshot.orders[id] = AccountOrder(
                clientOrderId: id, venueOrderId: UInt64(i), symbol: "S\(i % 40)USDT", side: i % 2 == 0 ? .buy : .sell,
                type: "LIMIT",
                price: Price(mantissa: 6_500_000 + Int64(i), exponent: -2),
                quantity: Quantity(mantissa: 100, exponent: -5),
                filledQuantity: Quantity(mantissa: 0, exponent: -5), averagePrice: nil, status: "NEW", isOpen: true,
                strategyId: 1,
                lastUpdateNs: Int64(i), lastEventSeq: UInt64(i))
        }
        _ = feed.store.publish(snapshot)
    }

    func sample() -> EngineSample {
        var s = EngineSample()
        s.nowNs = Int64(Date().timeIntervalSince1970 * 1e9)
        s.startedNs = s.nowNs - 60_000_000_000
        s.feeds = symbols.map { FeedSample(symbol: $0, venue: "bench", state: "live", connected: true) }
        return s
    }

    func status() -> JSONValue {
        [
            "instance": "bench", "state": "live",
            "instruments": .array(symbols.map { ["symbol": .string($0), "state": "live"] }),
        ]
    }

    func book(symbol: String, depth: Int) -> JSONValue? {
        guard symbols.contains(symbol) else { return nil }
        let t = tick.add(1, ordering: .relaxed).newValue
        func side(_ base: Int64, _ step: Int64) -> JSONValue {
            .array(
                (0..<Int64(depth)).map { i in [.string(decimal(base + step * i + t % 7)), .string("0.\(100 + i)")] })
        }
        return ["symbol": .string(symbol), "state": "live", "bids": side(6_499_990, -1), "asks": side(6_500_000, 1)]
    }

    private func decimal(_ cents: Int64) -> String { "\(cents / 100).\(String(format: "%02d", cents % 100))" }

    func orders(openOnly: Bool) -> [JSONValue] { [] }
    func strategies() -> JSONValue? { nil }
    func alerts(limit: Int) -> [JSONValue] { [] }
    var account: AccountFeed? { feed }
    func perform(_ command: ControlCommand) async -> ControlAnswer { .error(403, "the bench takes no commands") }
}

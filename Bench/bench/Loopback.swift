import ArgumentParser
import CBench
import CEngineShm
import Foundation
import Histogram

/// The loopback scenarios of `bench latency`: WebSocket bytes written on 127.0.0.1 → a real feed
/// thread (io_uring, TLS for `loopback-tls`, unframe, decode, book sync) → the event visible in the
/// md ring, judged against a loopback TCP one-way hop between the same two cores in the same run.
enum LoopbackScenario: String, CaseIterable, Sendable {
    case plain = "loopback"
    case tls = "loopback-tls"

    var name: String { rawValue }

    /// The loopback scenarios named in `--scenario` (all of them for `all` or no name at all).
    static func selected(_ names: [String]) -> [LoopbackScenario] {
        if names.isEmpty || names.contains("all") { return allCases }
        return allCases.filter { names.contains($0.rawValue) }
    }

    static func accepts(_ name: String) -> Bool { LoopbackScenario(rawValue: name) != nil }

    /// Runs the chosen loopback scenarios in order and prints each as it finishes; returns the failures.
    static func run(
        _ chosen: [LoopbackScenario], options: LoopbackOptions, cpuA: Int32, cpuB: Int32, json: Bool,
        clockReadNs: Int64, instance: String
    ) -> Int {
        var failures = 0
        if !json && !chosen.isEmpty {
            print(
                Table.header(
                    cores: [cpuA, cpuB], iterations: UInt64(options.count), warmup: UInt64(options.warmup),
                    clockReadNs: clockReadNs, load: Machine.loadAverage1m()))
        }
        for scenario in chosen {
            do {
                let result = try scenario.measure(options: options, cpuA: cpuA, cpuB: cpuB, instance: instance)
                if result.floorMoved == true {
                    warn(
                        "\(scenario.name): the floor moved during the scenario (tcp-hop p50 "
                            + "\(result.floorBefore.valueAtPercentile(50)) ns before, "
                            + "\(result.floorAfter.valueAtPercentile(50)) ns after): judge its ratios with care")
                }
                let lines = json ? result.jsonLines(clockReadNs: clockReadNs) : result.tableLines()
                print(lines.joined(separator: "\n"))
                fflush(nil)
            } catch {
                warn("\(scenario.name): \(error.message)")
                failures += 1
            }
        }
        if !json && !chosen.isEmpty { print(([""] + LoopbackResult.legend).joined(separator: "\n")) }
        return failures
    }

    /// The scenarios' paragraph of `bench latency --help`.
    static let help = """


        Loopback scenarios (in `all`, run last; --loopback-* options):
          loopback         a Binance WS frame written on 127.0.0.1 by a peer on core A -> the feed
                           thread (io_uring, unframe, decode, book, publish; wait SPIN) on core B ->
                           its md ring event seen by the peer polling the ring on A, one frame at a time;
                           floor: a loopback TCP one-way hop A -> B, busy-polled recv(), before and after
          loopback-tls     the same over TLS (a throwaway certificate the feed verifies)
        """
}

/// Options of the loopback scenarios.
struct LoopbackOptions: ParsableArguments {
    @Option(name: .customLong("loopback-count"), help: "Timed frames (ping-pong rounds) of each loopback scenario.")
    var count: Int = 20_000

    @Option(name: .customLong("loopback-warmup"), help: "Untimed frames before them.")
    var warmup: Int = 2_000

    @Option(name: .customLong("loopback-burst"), help: "Frames then written back to back, for msgs/s (0: none).")
    var burst: Int = 20_000

    @Option(name: .customLong("loopback-seconds"), help: "Longest time the timed rounds may take (they stop early).")
    var seconds: Double = 10

    @Option(name: .customLong("loopback-bookticker-every"), help: "One frame in n is a bookTicker (0: diffs only).")
    var bookTickerEvery: Int = 4

    func validate() throws {
        guard (1...500_000).contains(count) else { throw ValidationError("--loopback-count must be 1...500000") }
        guard (0...500_000).contains(warmup) else { throw ValidationError("--loopback-warmup must be 0...500000") }
        // The burst is read after it is written: it must fit the md ring (65536 slots) with room to spare.
        guard (0...50_000).contains(burst) else { throw ValidationError("--loopback-burst must be 0...50000") }
        guard seconds > 0, seconds <= 600 else { throw ValidationError("--loopback-seconds must be in (0, 600]") }
        guard bookTickerEvery == 0 || bookTickerEvery >= 2 else {
            throw ValidationError("--loopback-bookticker-every must be 0 or at least 2")
        }
    }
}

/// What one loopback scenario measured, beside its floor.
struct LoopbackResult {
    let scenario: LoopbackScenario
    let run: tw_bench_loopback_t
    let total: Histogram<UInt64>
    let depth: Histogram<UInt64>
    let bookTicker: Histogram<UInt64>
    let sendRecv: Histogram<UInt64>
    let recvPublish: Histogram<UInt64>
    let publishVisible: Histogram<UInt64>
    let floorBefore: Histogram<UInt64>
    let floorAfter: Histogram<UInt64>
    let floor: Histogram<UInt64>
    let floorSwitches: (voluntary: Int64, involuntary: Int64)
    let floorClamped: UInt64
    let cores: [Int32]
    let warmup: UInt64
    let loadAverage1m: Double?
    let procLoadavg: String?
    let stealMilliseconds: Double?

    var ratioP50: Double? { ratio(total.valueAtPercentile(50), floor.valueAtPercentile(50)) }
    var ratioP99: Double? { ratio(total.valueAtPercentile(99), floor.valueAtPercentile(99)) }

    /// True when the floor's p50 moved by more than the latency table's tolerance across the run.
    var floorMoved: Bool? {
        ratio(floorAfter.valueAtPercentile(50), floorBefore.valueAtPercentile(50)).map {
            abs($0 - 1) > Judged.floorTolerance
        }
    }

    var transport: String { run.tls != 0 ? "tls" : "tcp" }
    var tlsDescription: String { cString(run.tls_desc) }

    /// Frames per second of the burst through the whole path, nil without one.
    var burstMsgsPerSecond: Double? {
        run.burst_frames > 0 && run.burst_ns > 0 ? Double(run.burst_frames) * 1e9 / Double(run.burst_ns) : nil
    }

    var meanFrameBytes: Int64 { run.samples > 0 ? Int64(run.wire_bytes / run.samples) : 0 }

    private func ratio(_ value: UInt64, _ floor: UInt64) -> Double? {
        floor > 0 ? Double(value) / Double(floor) : nil
    }
}

/// Reads a NUL-terminated C character array held in a tuple.
func cString<T>(_ tuple: T) -> String {
    withUnsafeBytes(of: tuple) { raw in String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self) }
}

/// Builds a histogram of the first `count` samples.
func histogram(_ samples: ArraySlice<UInt64>) -> Histogram<UInt64> {
    var h = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
    for s in samples { h.record(s) }
    return h
}

extension Latency {
    /// The loopback scenarios chosen by `--scenario` (both for `all` or when none is named).
    var loopbackScenarios: [LoopbackScenario] {
        let names = scenario.flatMap {
            $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        }
        .filter { !$0.isEmpty }
        return LoopbackScenario.selected(names)
    }
}

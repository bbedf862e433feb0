import CBench
import CEngineShm
import Foundation
import Histogram

extension LoopbackScenario {
    /// Runs the scenario between its floor measured just before and just after (the same two cores);
    /// the blaster and floor writer on `cpuA`, the feed thread and floor receiver on `cpuB`.
    func measure(options: LoopbackOptions, cpuA: Int32, cpuB: Int32, instance: String) throws(ScenarioError)
        -> LoopbackResult
    {
        guard cpuA != cpuB else { throw ScenarioError(message: "needs two different cores (--cores A,B)") }
        let cores = [cpuA, cpuB]
        let load = Machine.loadAverage1m()
        let stealBefore = Machine.stealMilliseconds(cpus: cores)
        let floorRounds = UInt64(max(options.count / 2, 1))
        let floorWarmup = UInt64(options.warmup / 2)
        let before = try Self.tcpHop(cpuA: cpuA, cpuB: cpuB, warmup: floorWarmup, iterations: floorRounds)
        let (run, samples) = try runFeed(options: options, cpuA: cpuA, cpuB: cpuB, instance: instance)
        let after = try Self.tcpHop(cpuA: cpuA, cpuB: cpuB, warmup: floorWarmup, iterations: floorRounds)
        let stealAfter = Machine.stealMilliseconds(cpus: cores)

        let n = Int(run.samples)
        var depth = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        var ticker = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        for i in 0..<n {
            if samples.kind[i] == UInt8(TW_MD_BBO.rawValue) {
                ticker.record(samples.total[i])
            } else {
                depth.record(samples.total[i])
            }
        }
        var floor = before.histogram
        floor.add(after.histogram)
        return LoopbackResult(
            scenario: self, run: run, total: histogram(samples.total[..<n]), depth: depth, bookTicker: ticker,
            sendRecv: histogram(samples.sendRecv[..<n]), recvPublish: histogram(samples.recvPublish[..<n]),
            publishVisible: histogram(samples.publishVisible[..<n]), floorBefore: before.histogram,
            floorAfter: after.histogram, floor: floor,
            floorSwitches: (before.voluntary + after.voluntary, before.involuntary + after.involuntary),
            floorClamped: before.clamped + after.clamped, cores: cores, warmup: UInt64(options.warmup),
            loadAverage1m: load, procLoadavg: Self.procLoadavg(),
            stealMilliseconds: stealBefore.flatMap { b in stealAfter.map { $0 - b } })
    }

    private struct Samples {
        var total, sendRecv, recvPublish, publishVisible: [UInt64]
        var kind: [UInt8]
    }

    /// The feed run itself; every buffer is faulted in before the C side starts.
    private func runFeed(options: LoopbackOptions, cpuA: Int32, cpuB: Int32, instance: String) throws(ScenarioError)
        -> (tw_bench_loopback_t, Samples)
    {
        let count = options.count
        var s = Samples(
            total: .init(repeating: 0, count: count), sendRecv: .init(repeating: 0, count: count),
            recvPublish: .init(repeating: 0, count: count), publishVisible: .init(repeating: 0, count: count),
            kind: .init(repeating: 0, count: count))
        var run = tw_bench_loopback_t()
        run.cpu_a = cpuA
        run.cpu_b = cpuB
        run.tls = self == .tls ? 1 : 0
        run.bookticker_every = UInt32(options.bookTickerEvery)
        run.warmup = UInt64(options.warmup)
        run.iterations = UInt64(count)
        run.burst = UInt64(options.burst)
        run.max_ns = Int64(options.seconds * 1e9)
        let name = "\(instance)-\(self == .tls ? "lbt" : "lb")"
        let rc: Int32 = s.total.withUnsafeMutableBufferPointer { total in
            s.sendRecv.withUnsafeMutableBufferPointer { sendRecv in
                s.recvPublish.withUnsafeMutableBufferPointer { recvPublish in
                    s.publishVisible.withUnsafeMutableBufferPointer { publishVisible in
                        s.kind.withUnsafeMutableBufferPointer { kind in
                            name.withCString { cName in
                                run.out = total.baseAddress
                                run.send_recv = sendRecv.baseAddress
                                run.recv_publish = recvPublish.baseAddress
                                run.publish_visible = publishVisible.baseAddress
                                run.kind = kind.baseAddress
                                run.instance = cName
                                defer { run.instance = nil }
                                return tw_bench_loopback(&run)
                            }
                        }
                    }
                }
            }
        }
        run.out = nil
        run.send_recv = nil
        run.recv_publish = nil
        run.publish_visible = nil
        run.kind = nil
        guard rc == 0 else {
            let message = cString(run.error)
            throw ScenarioError(message: message.isEmpty ? "failed (errno \(-rc))" : message)
        }
        guard run.samples > 0 else { throw ScenarioError(message: "no timed rounds") }
        return (run, s)
    }

    private struct Hop {
        var histogram: Histogram<UInt64>
        var voluntary, involuntary: Int64
        var clamped: UInt64
    }

    /// The floor: one loopback TCP hop A -> B, busy-polled, ack-gated.
    private static func tcpHop(cpuA: Int32, cpuB: Int32, warmup: UInt64, iterations: UInt64) throws(ScenarioError)
        -> Hop
    {
        var samples = [UInt64](repeating: 0, count: Int(iterations))
        var run = tw_bench_run_t()
        run.cpu_a = cpuA
        run.cpu_b = cpuB
        run.warmup = warmup
        run.iterations = iterations
        let rc = samples.withUnsafeMutableBufferPointer { buffer in
            run.out = buffer.baseAddress
            defer { run.out = nil }
            return tw_bench_tcp_hop(&run)
        }
        guard rc == 0 else {
            let message = cString(run.error)
            throw ScenarioError(message: message.isEmpty ? "tcp hop failed (errno \(-rc))" : message)
        }
        return Hop(
            histogram: histogram(samples[...]), voluntary: run.csw_voluntary, involuntary: run.csw_involuntary,
            clamped: run.clamped)
    }

    /// /proc/loadavg as it reads (1, 5, 15 min, runnable/threads, last pid), nil when unreadable.
    static func procLoadavg() -> String? {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension LoopbackScenario {
    /// The loopback TCP one-way hop between two cores as a histogram (the floor of other
    /// network scenarios, e.g. order-roundtrip).
    static func tcpHopFloor(cpuA: Int32, cpuB: Int32, iterations: UInt64) throws(ScenarioError) -> Histogram<UInt64> {
        try tcpHop(cpuA: cpuA, cpuB: cpuB, warmup: iterations / 10, iterations: iterations).histogram
    }
}

import CBench
import CEngineShm
import Glibc

/// One latency scenario. Floors are measured in the same run as what they judge.
enum Scenario: String, CaseIterable, Sendable {
    case pingpong
    case memcpySlot = "memcpy-slot"
    case memcpyBlock = "memcpy-block"
    case seqlockThread = "seqlock-thread"
    case ringThread = "ring-thread"
    case seqlockProcess = "seqlock-process"
    case ringProcess = "ring-process"
    case inmemDepth = "inmem-depth"
    case inmemMix = "inmem-mix"
    case hmacOneShot = "hmac-oneshot"
    case orderEncode = "order-encode"

    /// Copies per timed memcpy sample (the clock is read once per batch).
    static let memcpyBatch: UInt32 = 64

    var name: String { rawValue }

    var isFloor: Bool { floor == nil && copyFloor == nil && !isInMemory }

    /// The in-memory feed: recorded frames through the feed's per-message path on core A,
    /// judged against memcpy of the same frames measured in the same call (InMemory.swift).
    var isInMemory: Bool { self == .inmemDepth || self == .inmemMix }

    /// True when two threads or processes on cores A and B take part.
    var crossCore: Bool {
        switch self {
        case .memcpySlot, .memcpyBlock, .inmemDepth, .inmemMix, .hmacOneShot, .orderEncode: false
        default: true
        }
    }

    /// The cross-core floor: cache-line ping-pong on the same two cores.
    var floor: Scenario? {
        switch self {
        case .pingpong, .memcpySlot, .memcpyBlock, .inmemDepth, .inmemMix, .hmacOneShot: nil
        case .orderEncode: .hmacOneShot
        default: .pingpong
        }
    }

    /// The copy floor: memcpy of the bytes the reader copies (a book block or an md slot).
    var copyFloor: Scenario? {
        switch self {
        case .seqlockThread, .seqlockProcess: .memcpyBlock
        case .ringThread, .ringProcess: .memcpySlot
        default: nil
        }
    }

    /// Bytes moved per round: an md slot or a depth-20 book block.
    var bytes: Int? {
        switch self {
        case .memcpySlot, .ringThread, .ringProcess: Int(TW_MD_SLOT_SIZE)
        case .memcpyBlock, .seqlockThread, .seqlockProcess: Int(tw_book_block_size(UInt32(TW_BENCH_DEPTH)))
        case .pingpong, .inmemDepth, .inmemMix, .hmacOneShot, .orderEncode: nil
        }
    }

    /// What one sample is, for the table's legend.
    var what: String {
        switch self {
        case .pingpong: "cache-line round trip / 2, cores A<->B"
        case .memcpySlot: "memcpy of one md slot (\(bytes!) B), per copy, core A"
        case .memcpyBlock: "memcpy of one depth-\(TW_BENCH_DEPTH) book block (\(bytes!) B), per copy, core A"
        case .seqlockThread: "tw_book_write on A -> tw_book_read on B, threads"
        case .ringThread: "tw_ring_publish on A -> tw_ring_poll on B, threads"
        case .seqlockProcess: "tw_book_write on A -> tw_book_read in a reader process on B"
        case .ringProcess: "tw_ring_publish on A -> tw_ring_poll in a reader process on B"
        case .inmemDepth:
            "one recorded depth diff (after the snapshot): unframe + feed.c's per-message path (decode, sync, book, "
                + "book_write, publish, counters, clocks), core A; every diff applied or older than the snapshot; "
                + "×copy: memcpy of its frame"
        case .inmemMix:
            "one frame of the whole recorded file (diffs, trades, bookTickers): the same path, core A; "
                + "×copy: memcpy of its frame"
        case .hmacOneShot:
            "floor: OpenSSL one-shot HMAC(EVP_sha256()) of a signed order.place payload, core A"
        case .orderEncode:
            "command claimed -> signed order.place bytes ready for the socket (tw_gateway_encode_place), core A; "
                + "×p50/×p99: vs hmac-oneshot of the same payload in the same loop; every signature verified"
        }
    }

    /// Names accepted by `--scenario`: each scenario, plus `memcpy` (both copies), `inmem` (both
    /// in-memory feeds) and `all`.
    static func parse(_ name: String) -> [Scenario]? {
        switch name {
        case "all": return allCases
        case "memcpy": return [.memcpySlot, .memcpyBlock]
        case "inmem": return [.inmemDepth, .inmemMix]
        default: return Scenario(rawValue: name).map { [$0] }
        }
    }

    static var acceptedNames: String {
        (allCases.map(\.rawValue) + ["memcpy", "inmem", "all"]).joined(separator: ", ")
    }
}

/// Everything a scenario produced besides the samples.
struct RunResult {
    var samples: [UInt64]
    var voluntarySwitches: Int64
    var involuntarySwitches: Int64
    var clamped: UInt64
    /// The in-memory feed's throughput and floor, for those scenarios only.
    var inMemory: InMemoryResult? = nil
    /// The order encoder's floor (one-shot HMAC of the same payloads), for order-encode only.
    var encodeFloor: [UInt64]? = nil
    /// What the order encoder produced, for its note line.
    var encodeNote: String? = nil
}

struct ScenarioError: Error {
    let message: String
}

/// Runs one scenario's C loop and returns its samples (ns).
func runScenario(
    _ scenario: Scenario, cpuA: Int32, cpuB: Int32, warmup: UInt64, iterations: UInt64, instance: String,
    feed: FeedData? = nil
) throws(ScenarioError) -> RunResult {
    if scenario.isInMemory {
        guard let feed else { throw ScenarioError(message: "no recorded data loaded (--data)") }
        return try runInMemory(scenario, cpu: cpuA, feed: feed, iterations: iterations, instance: instance)
    }
    if scenario == .orderEncode || scenario == .hmacOneShot {
        return try runOrderEncode(scenario, cpu: cpuA, warmup: warmup, iterations: iterations, instance: instance)
    }
    var samples = [UInt64](repeating: 0, count: Int(iterations))  // faulted in here, not in the timed loop
    var run = tw_bench_run_t()
    run.cpu_a = cpuA
    run.cpu_b = cpuB
    run.warmup = warmup
    run.iterations = iterations
    run.bytes = UInt32(scenario.bytes ?? 0)
    run.batch = Scenario.memcpyBatch
    let peerArguments = [
        "bench", "peer", "--kind", scenario == .seqlockProcess ? "seqlock" : "ring",
        "--instance", instance, "--cpu", String(cpuB),
    ]
    let rc: Int32 = samples.withUnsafeMutableBufferPointer { buffer in
        instance.withCString { name in
            run.out = buffer.baseAddress
            run.instance = name
            switch scenario {
            case .pingpong: return tw_bench_pingpong(&run)
            case .memcpySlot, .memcpyBlock: return tw_bench_memcpy(&run)
            case .seqlockThread: return tw_bench_seqlock_thread(&run)
            case .ringThread: return tw_bench_ring_thread(&run)
            case .inmemDepth, .inmemMix, .orderEncode, .hmacOneShot: return -EINVAL  // handled above
            case .seqlockProcess, .ringProcess:
                var argv: [UnsafeMutablePointer<CChar>?] = peerArguments.map { strdup($0) } + [nil]
                defer { for arg in argv { free(arg) } }
                let kind = scenario == .seqlockProcess ? TW_BENCH_PEER_SEQLOCK : TW_BENCH_PEER_RING
                return argv.withUnsafeMutableBufferPointer { tw_bench_process(&run, kind, $0.baseAddress) }
            }
        }
    }
    guard rc == 0 else {
        let message = withUnsafeBytes(of: run.error) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        throw ScenarioError(message: message.isEmpty ? "failed (errno \(-rc))" : message)
    }
    return RunResult(
        samples: samples, voluntarySwitches: run.csw_voluntary, involuntarySwitches: run.csw_involuntary,
        clamped: run.clamped)
}

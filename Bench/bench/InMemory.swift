import CBench
import Foundation

/// The recorded Binance file the in-memory feed scenarios replay, decompressed in memory.
struct FeedData {
    /// The default `--data`: hftbacktest's BTCUSDT spot recording, relative to the repository root.
    static let defaultPath = "Tests/Data/binance/hftbacktest_spot_btcusdt_20240808.first15000lines.gz"

    let path: String
    let bytes: [UInt8]
    /// Frames of the whole file and depth frames (upper bounds), to size the sample buffers.
    let lines: Int
    let depthLines: Int

    /// Reads `path`; a `.gz` file through `gzip -dc`, since the bench links no zlib.
    static func load(path: String) throws(ScenarioError) -> FeedData {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ScenarioError(message: "no recorded data at \(path) (run from the repository root, or pass --data)")
        }
        let data: Data
        if path.hasSuffix(".gz") {
            data = try gunzip(path)
        } else {
            guard let raw = FileManager.default.contents(atPath: path) else {
                throw ScenarioError(message: "cannot read \(path)")
            }
            data = raw
        }
        let bytes = [UInt8](data)
        var lines = 1, depthLines = 0
        var search = data.startIndex
        while let r = data.range(of: Data("depthUpdate".utf8), in: search..<data.endIndex) {
            depthLines += 1
            search = r.upperBound
        }
        for byte in bytes where byte == UInt8(ascii: "\n") { lines += 1 }
        return FeedData(path: path, bytes: bytes, lines: lines, depthLines: depthLines)
    }

    private static func gunzip(_ path: String) throws(ScenarioError) -> Data {
        let process = Process()
        let pipe = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc", "--", path]
        process.standardOutput = pipe
        do {
            try process.run()
        } catch {
            throw ScenarioError(message: "cannot run gzip -dc \(path): \(error)")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()  // before waiting: a full pipe would block gzip
        process.waitUntilExit()
        guard process.terminationStatus == 0, !data.isEmpty else {
            throw ScenarioError(message: "gzip -dc \(path) failed (status \(process.terminationStatus))")
        }
        return data
    }
}

/// Throughput and floor of one in-memory feed run, beside its per-message samples.
struct InMemoryResult {
    let messages: UInt64
    let bytes: UInt64
    let passes: UInt32
    let elapsedNs: Int64
    let floorElapsedNs: Int64
    let floorSamples: [UInt64]
    let checks: UInt64
    let mismatches: UInt64
    let malformed: UInt64
    /// Depth scenario: a REST snapshot of `snapshotLevels` a side, the feed thread's part (p50, ns)
    /// and the fetcher's decode (p50, ns); 0 levels when not measured.
    var snapshotLevels: UInt32 = 0
    var snapshotThreadNs: Int64 = 0
    var snapshotDecodeNs: Int64 = 0
    /// Depth scenario: the median sample of the diffs with TW_BENCH_TYPICAL_MIN...MAX levels (a "~30-level
    /// diff") and how many samples that is.
    var typicalP50Ns: Int64 = 0
    var typicalSamples: UInt64 = 0

    var nsPerMessage: Double { Double(elapsedNs) / (Double(messages) * Double(passes)) }
    var messagesPerSecond: Double { 1e9 / nsPerMessage }
    var floorNsPerMessage: Double { Double(floorElapsedNs) / (Double(messages) * Double(passes)) }
    var ratio: Double { nsPerMessage / floorNsPerMessage }

    /// The line printed under the scenario's table row.
    func line(_ scenario: Scenario) -> String {
        let snapshot =
            snapshotLevels == 0
            ? ""
            : String(
                format: "\n  a %u-level-a-side REST snapshot: the feed thread's part (load, buffered replay, publish) "
                    + "%.0f us p50; the fetcher's decode beforehand %.0f us", snapshotLevels,
                Double(snapshotThreadNs) / 1e3, Double(snapshotDecodeNs) / 1e3)
        let typical =
            typicalSamples == 0
            ? ""
            : String(
                format: "\n  a diff of %d-%d levels (%llu samples): p50 %lld ns (one clock pair included)",
                Int32(TW_BENCH_TYPICAL_MIN), Int32(TW_BENCH_TYPICAL_MAX), typicalSamples,
                typicalP50Ns)
        return String(
            format: "  %@: %llu msgs a pass x %u passes: %.0f msgs/s on one core (%.1f ns/msg); "
                + "floor memcpy %.1f ns/msg (x%.1f); bookTicker checks %llu, mismatches %llu, malformed %llu",
            scenario.name, messages, passes, messagesPerSecond, nsPerMessage, floorNsPerMessage, ratio, checks,
            mismatches, malformed) + typical + snapshot
    }

    /// The same numbers as extra JSON members.
    var json: KeyValuePairs<String, JSON> {
        [
            "messages_per_pass": .uint(messages), "bytes_per_pass": .uint(bytes), "passes": .uint(UInt64(passes)),
            "msgs_per_s": .double(messagesPerSecond, digits: 0), "ns_per_msg": .double(nsPerMessage, digits: 1),
            "floor_ns_per_msg": .double(floorNsPerMessage, digits: 1), "ratio_throughput": .double(ratio, digits: 2),
            "bbo_checks": .uint(checks), "bbo_mismatches": .uint(mismatches), "malformed": .uint(malformed),
            "snapshot_levels": .uint(UInt64(snapshotLevels)), "snapshot_thread_ns": .uint(UInt64(max(0, snapshotThreadNs))),
            "snapshot_decode_ns": .uint(UInt64(max(0, snapshotDecodeNs))),
            "typical_diff_samples": .uint(typicalSamples), "typical_diff_p50_ns": .uint(UInt64(max(0, typicalP50Ns))),
        ]
    }
}

/// Runs `tw_bench_inmem` (Bench/CBench/inmem.c) pinned to `cpu`: about `iterations` timed messages
/// with a clock read each, as many untimed passes for msgs/s, and memcpy floors of the same frames.
func runInMemory(
    _ scenario: Scenario, cpu: Int32, feed: FeedData, iterations: UInt64, instance: String
) throws(ScenarioError) -> RunResult {
    let depthOnly = scenario == .inmemDepth
    let perPass = max(1, depthOnly ? feed.depthLines : feed.lines)
    let passes = min(max(1, Int(iterations) / perPass), 2000)
    let capacity = passes * perPass
    var samples = [UInt64](repeating: 0, count: capacity)  // faulted in here, not in the timed loop
    var floor = [UInt64](repeating: 0, count: capacity)
    var b = tw_bench_inmem_t()
    b.len = UInt64(feed.bytes.count)
    b.depth_only = depthOnly ? 1 : 0
    b.cpu = cpu
    b.reps = UInt32(passes)
    b.sample_passes = UInt32(passes)
    b.out_cap = UInt64(capacity)
    let before = switches()
    let rc: Int32 = feed.bytes.withUnsafeBytes { text in
        samples.withUnsafeMutableBufferPointer { out in
            floor.withUnsafeMutableBufferPointer { floorOut in
                instance.withCString { name in
                    b.text = text.baseAddress?.assumingMemoryBound(to: CChar.self)
                    b.out = out.baseAddress
                    b.floor_out = floorOut.baseAddress
                    b.instance = name
                    return tw_bench_inmem(&b)
                }
            }
        }
    }
    let after = switches()
    guard rc == 0 else {
        let message = withUnsafeBytes(of: b.error) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        throw ScenarioError(message: message.isEmpty ? "failed (errno \(-rc))" : message)
    }
    guard b.malformed == 0, b.bbo_mismatches == 0 else {
        throw ScenarioError(
            message: "the feed decoded \(feed.path) wrongly: \(b.malformed) malformed frames, "
                + "\(b.bbo_mismatches) bookTicker mismatches")
    }
    let count = Int(b.samples)
    let result = InMemoryResult(
        messages: b.messages, bytes: b.bytes, passes: b.reps, elapsedNs: b.elapsed_ns,
        floorElapsedNs: b.floor_elapsed_ns, floorSamples: Array(floor.prefix(count)), checks: b.bbo_checks,
        mismatches: b.bbo_mismatches, malformed: b.malformed, snapshotLevels: b.snapshot_levels,
        snapshotThreadNs: b.snapshot_p50_ns, snapshotDecodeNs: b.snapshot_decode_p50_ns,
        typicalP50Ns: b.typical_p50_ns, typicalSamples: b.typical_samples)
    return RunResult(
        samples: Array(samples.prefix(count)), voluntarySwitches: after.voluntary - before.voluntary,
        involuntarySwitches: after.involuntary - before.involuntary, clamped: 0, inMemory: result)
}

/// Context switches of this process so far (the scenario's thread is the only busy one).
private func switches() -> (voluntary: Int64, involuntary: Int64) {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return (Int64(usage.ru_nvcsw), Int64(usage.ru_nivcsw))
}

import CBaseline
import CBench
import Foundation

/// `bench latency --scenario inmem-baseline`: the in-memory feed beside its library baseline
/// (Bench/CBaseline: simdjson ondemand + std::map<double, double>, the same venue procedure and
/// bookTicker checks) on the same frames, in the same run, alternating so that both see the same
/// machine. Each round times the depth diffs after the snapshot and the whole recorded mix, for
/// the feed (feed.c's own per-message path, with its shared-memory publishing) and the baseline
/// (parse + book + checks, no publishing). The ratio is the feed's msgs/s over the baseline's,
/// from the median round of each.
enum InMemoryBaseline {
    static let name = "inmem-baseline"
    static let rounds = 5

    struct Side {
        var rates: [Double] = []
        var checksPerPass: UInt64 = 0
        var median: Double { rates.sorted()[rates.count / 2] }
    }

    struct Result {
        var feedDepth = Side(), baseDepth = Side(), feedMix = Side(), baseMix = Side()
        var depthDiffs: UInt64 = 0
        var mixMessages: UInt64 = 0
        var depthRatio: Double { feedDepth.median / baseDepth.median }
        var mixRatio: Double { feedMix.median / baseMix.median }
    }

    /// Passes a round: enough for ~20k messages of each kind.
    private static func passes(_ perPass: Int) -> UInt32 { UInt32(min(max(1, 20_000 / max(1, perPass)), 200)) }

    static func measure(feed: FeedData, cpu: Int32, instance: String) throws(ScenarioError) -> Result {
        var result = Result()
        for _ in 0..<rounds {
            for depthOnly in [true, false] {
                let perPass = depthOnly ? feed.depthLines : feed.lines
                let base = try baseline(feed: feed, depthOnly: depthOnly, cpu: cpu, reps: passes(perPass))
                let ours = try ownFeed(
                    feed: feed, depthOnly: depthOnly, cpu: cpu, reps: passes(perPass), instance: instance)
                let baseRate = Double(base.messages) * Double(base.reps) * 1e9 / Double(base.elapsed_ns)
                let ourRate = Double(ours.messages) * Double(ours.reps) * 1e9 / Double(ours.elapsed_ns)
                if !depthOnly {  // the same bookTickers checked against the same books, pass for pass
                    let baseChecks = base.bbo_checks / UInt64(base.reps + 1)
                    let ourChecks = ours.bbo_checks / UInt64(ours.reps + 1)
                    guard baseChecks == ourChecks, baseChecks > 0 else {
                        throw ScenarioError(
                            message: "the baseline made \(baseChecks) bookTicker checks a pass, the feed \(ourChecks)")
                    }
                    result.feedMix.rates.append(ourRate)
                    result.baseMix.rates.append(baseRate)
                    result.feedMix.checksPerPass = ourChecks
                    result.baseMix.checksPerPass = baseChecks
                    result.mixMessages = ours.messages
                } else {
                    result.feedDepth.rates.append(ourRate)
                    result.baseDepth.rates.append(baseRate)
                    result.depthDiffs = ours.diffs
                }
            }
        }
        return result
    }

    private static func baseline(feed: FeedData, depthOnly: Bool, cpu: Int32, reps: UInt32) throws(ScenarioError)
        -> tw_bench_baseline_t
    {
        try run(tw_bench_baseline_t(), "baseline", feed: feed, depthOnly: depthOnly, cpu: cpu, reps: reps) {
            tw_bench_baseline(&$0)
        }
    }

    private static func ownFeed(
        feed: FeedData, depthOnly: Bool, cpu: Int32, reps: UInt32, instance: String
    ) throws(ScenarioError) -> tw_bench_inmem_t {
        var b = tw_bench_inmem_t()
        b.sample_passes = 0
        return try run(b, "feed", feed: feed, depthOnly: depthOnly, cpu: cpu, reps: reps) { (b: inout tw_bench_inmem_t) in
            instance.withCString { name in
                b.instance = name
                defer { b.instance = nil }  // the name lives only as long as this call
                return tw_bench_inmem(&b)
            }
        }
    }

    /// One C run over the recorded file (either side): refused when it failed or read the data wrongly.
    private static func run<Run: BenchRun>(
        _ initial: Run, _ label: String, feed: FeedData, depthOnly: Bool, cpu: Int32, reps: UInt32,
        _ call: (inout Run) -> Int32
    ) throws(ScenarioError) -> Run {
        var b = initial
        b.len = UInt64(feed.bytes.count)
        b.depth_only = depthOnly ? 1 : 0
        b.cpu = cpu
        b.reps = reps
        let rc = feed.bytes.withUnsafeBytes { text in
            b.text = text.baseAddress?.assumingMemoryBound(to: CChar.self)
            return call(&b)
        }
        guard rc == 0 else {
            let text = b.errorText
            throw ScenarioError(message: label + ": " + (text.isEmpty ? "failed (errno \(-rc))" : text))
        }
        guard b.bbo_mismatches == 0, b.malformed == 0, b.gaps == 0 else {
            throw ScenarioError(
                message: "\(label): \(b.bbo_mismatches) bookTicker mismatches, \(b.malformed) malformed, \(b.gaps) gaps")
        }
        return b
    }

    static func report(_ r: Result, json: Bool, load: Double?) {
        func rates(_ s: Side) -> String { s.rates.map { String(format: "%.0f", $0) }.joined(separator: ", ") }
        if json {
            let object: KeyValuePairs<String, JSON> = [
                "scenario": .string(name),
                "load_1m": load.map { .double($0, digits: 2) } ?? .null,
                "depth_diffs_per_pass": .uint(r.depthDiffs),
                "feed_depth_msgs_per_s": .double(r.feedDepth.median, digits: 0),
                "baseline_depth_msgs_per_s": .double(r.baseDepth.median, digits: 0),
                "ratio_depth": .double(r.depthRatio, digits: 2),
                "mix_messages_per_pass": .uint(r.mixMessages),
                "feed_mix_msgs_per_s": .double(r.feedMix.median, digits: 0),
                "baseline_mix_msgs_per_s": .double(r.baseMix.median, digits: 0),
                "ratio_mix": .double(r.mixRatio, digits: 2),
                "bbo_checks_per_pass": .uint(r.feedMix.checksPerPass),
            ]
            print(JSON.object(object))
            return
        }
        print(
            """
            \(name): the feed (feed.c's per-message path + shm publishing) beside simdjson ondemand + std::map \
            (parse + book + checks), same frames, \(rounds) alternating rounds, load \(load.map { String(format: "%.2f", $0) } ?? "?")
              depth diffs (\(r.depthDiffs) a pass): feed \(String(format: "%.0f", r.feedDepth.median)) msgs/s, \
            baseline \(String(format: "%.0f", r.baseDepth.median)) msgs/s: x\(String(format: "%.2f", r.depthRatio))
                rounds: feed [\(rates(r.feedDepth))], baseline [\(rates(r.baseDepth))]
              whole mix (\(r.mixMessages) a pass, \(r.feedMix.checksPerPass) bookTicker checks a pass on both sides): \
            feed \(String(format: "%.0f", r.feedMix.median)) msgs/s, baseline \(String(format: "%.0f", r.baseMix.median)) msgs/s: \
            x\(String(format: "%.2f", r.mixRatio))
                rounds: feed [\(rates(r.feedMix))], baseline [\(rates(r.baseMix))]
            """)
    }
}

/// What the feed's run (tw_bench_inmem_t) and the baseline's (tw_bench_baseline_t) have in common.
private protocol BenchRun {
    var text: UnsafePointer<CChar>! { get set }
    var len: UInt64 { get set }
    var depth_only: Int32 { get set }
    var cpu: Int32 { get set }
    var reps: UInt32 { get set }
    var bbo_mismatches: UInt64 { get }
    var malformed: UInt64 { get }
    var gaps: UInt64 { get }
    /// The C error buffer as text ("" when none was set).
    var errorText: String { get }
}

extension BenchRun {
    fileprivate static func text<T>(_ buffer: T) -> String {
        withUnsafeBytes(of: buffer) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
    }
}

extension tw_bench_inmem_t: BenchRun {
    var errorText: String { Self.text(error) }
}

extension tw_bench_baseline_t: BenchRun {
    var errorText: String { Self.text(error) }
}

import CEngineShm

/// Counters of one instrument's feed.
public struct InstrumentCounters: Equatable, Sendable {
    public var messages: UInt64
    public var bytes: UInt64
    public var gaps: UInt64
    public var resyncs: UInt64
    public var reconnects: UInt64
    public var malformed: UInt64
    public var bookTickerChecks: UInt64
    public var bookTickerMismatches: UInt64
    public var bookUpdates: UInt64
    public var trades: UInt64
    public var lastUpdateId: UInt64
    public var lastUpdateNs: Int64
    /// Why the symbol is where it is (ABI 2.3; `.none` from an older engine), the feed's detail,
    /// and when that was set (CLOCK_REALTIME ns, 0 when never).
    public var healthReason: UInt32 = 0
    public var healthDetail: UInt32 = 0
    public var healthNs: Int64 = 0
}

/// A latency histogram's summary, in ns.
public struct LatencySummary: Equatable, Sendable {
    public var count: UInt64
    public var min: UInt64
    public var max: UInt64
    public var mean: Double
    public var p50: UInt64
    public var p99: UInt64
    public var p999: UInt64
}

/// Names of the global counters, in ABI order (`tw_counter_t`).
public let globalCounterNames: [(name: String, index: Int)] = [
    ("md_events", Int(TW_CTR_MD_EVENTS.rawValue)), ("book_writes", Int(TW_CTR_BOOK_WRITES.rawValue)),
    ("trades", Int(TW_CTR_TRADES.rawValue)), ("synth_steps", Int(TW_CTR_SYNTH_STEPS.rawValue)),
    ("cmd_consumed", Int(TW_CTR_CMD_CONSUMED.rawValue)), ("feed_loops", Int(TW_CTR_FEED_LOOPS.rawValue)),
    ("feed_unrouted", Int(TW_CTR_FEED_UNROUTED.rawValue)), ("cmd_accepted", Int(TW_CTR_CMD_ACCEPTED.rawValue)),
    ("cmd_rejected", Int(TW_CTR_CMD_REJECTED.rawValue)), ("gw_sent", Int(TW_CTR_GW_SENT.rawValue)),
    ("gw_answers", Int(TW_CTR_GW_ANSWERS.rawValue)), ("gw_events", Int(TW_CTR_GW_EVENTS.rawValue)),
    ("gw_malformed", Int(TW_CTR_GW_MALFORMED.rawValue)),
] + rejectCodeNames.enumerated().map { ("rejected_\($0.element)", Int(TW_CTR_REJECT_BASE.rawValue) + $0.offset + 1) }

/// Names of the local rejection codes, in ABI order from 1 (`tw_reject_code_t`).
public let rejectCodeNames: [String] = [
    "malformed", "tick", "lot", "min_qty", "max_qty", "notional", "price_band", "position", "balance", "rate",
    "breaker", "halted", "journal_full", "duplicate", "unknown_order", "no_market", "gateway", "mode",
]

/// Names of the histograms, in ABI order (`tw_histogram_id_t`).
public let histogramNames: [(name: String, index: Int)] = [
    ("md_publish_ns", Int(TW_HIST_MD_PUBLISH.rawValue)), ("book_write_ns", Int(TW_HIST_BOOK_WRITE.rawValue)),
    ("cmd_queue_ns", Int(TW_HIST_CMD_QUEUE.rawValue)), ("feed_wire_ns", Int(TW_HIST_FEED_WIRE.rawValue)),
    ("order_encode_ns", Int(TW_HIST_ORDER_ENCODE.rawValue)), ("order_ack_ns", Int(TW_HIST_ORDER_ACK.rawValue)),
    ("strategy_exec_ns", Int(TW_HIST_STRATEGY_EXEC.rawValue)), ("strategy_path_ns", Int(TW_HIST_STRATEGY_PATH.rawValue)),
]

/// Read-only view of the stats segment; every load is a relaxed atomic load, no locks.
public final class StatsReader {
    /// The mapped segment.
    public let segment: Segment

    /// Attaches read-only.
    public init(instance: String) throws(ShmError) {
        segment = try Segment.attach(instance: instance, kind: .stats)
    }

    /// Instruments covered.
    public var instrumentCount: Int { Int(tw_stats_of(segment.base)!.pointee.instrument_count) }

    /// A global counter.
    public func counter(_ index: Int) -> UInt64 { tw_load_u64(tw_stats_counters(segment.base)! + index) }

    /// One instrument's counters.
    public func instrument(_ index: Int) -> InstrumentCounters {
        let raw = UnsafeRawPointer(tw_stats_instrument(segment.base, UInt32(index))!)
        func word(_ i: Int) -> UInt64 { tw_load_u64(raw.assumingMemoryBound(to: UInt64.self) + i) }
        return InstrumentCounters(
            messages: word(0), bytes: word(1), gaps: word(2), resyncs: word(3), reconnects: word(4), malformed: word(5),
            bookTickerChecks: word(6), bookTickerMismatches: word(7), bookUpdates: word(8), trades: word(9),
            lastUpdateId: word(10), lastUpdateNs: Int64(bitPattern: word(11)), healthReason: UInt32(word(12) >> 32),
            healthDetail: UInt32(truncatingIfNeeded: word(12)), healthNs: Int64(bitPattern: word(13)))
    }

    /// A histogram's count, extremes and percentiles (bucket low edges, at most 6.25% under).
    public func histogram(_ index: Int) -> LatencySummary {
        let h = tw_stats_histogram(segment.base, UInt32(index))!
        let raw = UnsafeRawPointer(h).assumingMemoryBound(to: UInt64.self)
        let count = tw_load_u64(raw)
        let sum = tw_load_u64(raw + 1)
        return LatencySummary(
            count: count, min: tw_load_u64(raw + 2), max: tw_load_u64(raw + 3),
            mean: count > 0 ? Double(sum) / Double(count) : 0,
            p50: tw_hist_quantile(h, 0.5), p99: tw_hist_quantile(h, 0.99), p999: tw_hist_quantile(h, 0.999))
    }

    /// A histogram as cumulative counts at upper bounds (ns, ascending): how many observations
    /// fell in buckets wholly at or under each bound (the log-linear buckets are at most 6.25%
    /// wide, so a count may leave out a few just under its bound), with the total count and sum.
    public func cumulativeCounts(_ index: Int, bounds: [UInt64]) -> (counts: [UInt64], count: UInt64, sum: UInt64) {
        let h = tw_stats_histogram(segment.base, UInt32(index))!
        let raw = UnsafeRawPointer(h).assumingMemoryBound(to: UInt64.self)
        let count = tw_load_u64(raw)
        let sum = tw_load_u64(raw + 1)
        var counts = [UInt64](repeating: 0, count: bounds.count)
        let buckets = UnsafeRawPointer(h).advanced(by: MemoryLayout<tw_histogram_t>.offset(of: \tw_histogram_t.buckets)!)
            .assumingMemoryBound(to: UInt64.self)
        var running: UInt64 = 0
        var next = 0
        for b in 0..<UInt32(TW_HIST_BUCKETS) {
            let upper = b + 1 < UInt32(TW_HIST_BUCKETS) ? tw_hist_bucket_low(b + 1) : UInt64.max
            while next < bounds.count && upper > bounds[next] &+ 1 {
                counts[next] = running
                next += 1
            }
            if next == bounds.count { break }
            running &+= tw_load_u64(buckets + Int(b))
        }
        while next < bounds.count {
            counts[next] = running
            next += 1
        }
        return (counts, count, sum)
    }
}

import CEngineShm

/// The one writer of a Swift thread's latency histogram in the stats segment.
///
/// Not thread-safe: each histogram has exactly one writer thread (its words are plain relaxed
/// stores that readers may see mid-update, as the C writers' are).
public final class StatsHistogramWriter: @unchecked Sendable {
    /// The histograms a Swift thread writes.
    public enum Kind: Sendable {
        /// One strategy call (`TW_HIST_STRATEGY_EXEC`).
        case strategyExec
        /// md event published → the runner's order command in its lane (`TW_HIST_STRATEGY_PATH`).
        case strategyPath

        var id: UInt32 {
            switch self {
            case .strategyExec: TW_HIST_STRATEGY_EXEC.rawValue
            case .strategyPath: TW_HIST_STRATEGY_PATH.rawValue
            }
        }
    }

    private let histogram: UnsafeMutablePointer<tw_histogram_t>
    private let instance: EngineInstance

    /// The writer of `kind` in `instance`'s stats segment.
    public init(instance: EngineInstance, _ kind: Kind) {
        self.instance = instance
        histogram = tw_stats_histogram_mut(instance.stats.base, kind.id)
    }

    /// Adds one value, in ns.
    public func record(_ ns: UInt64) { tw_hist_record(histogram, ns) }
}

/// The engine's realtime clock in ns since the epoch (`CLOCK_REALTIME`, as the segments' times).
public func realtimeNs() -> Int64 { tw_realtime_ns() }

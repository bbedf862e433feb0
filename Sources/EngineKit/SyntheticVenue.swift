import CEngineCore
import CEngineShm

/// Settings of the synthetic venue thread.
public struct SyntheticVenueConfig: Sendable {
    /// Seed of the random walk: the same seed gives the same event sequence.
    public var seed: UInt64 = 1
    /// Events per second over all instruments; 0 runs unpaced.
    public var rate: UInt32 = 1000
    /// Core to pin the thread to, or nil.
    public var core: Int?
    /// Stop by itself after this many seconds; nil runs until stopped.
    public var durationSeconds: Double?
    /// Stop by itself after this many events; nil for no limit.
    public var maxEvents: UInt64?
    /// Start mid price mantissa per instrument, at each instrument's price exponent.
    public var startPrices: [Int64]

    /// Creates a configuration.
    public init(startPrices: [Int64]) { self.startPrices = startPrices }
}

/// Why the synthetic venue could not run.
public enum SyntheticVenueError: Error, Equatable, CustomStringConvertible {
    case invalidConfig(String)
    case threadFailed(Int32)

    public var description: String {
        switch self {
        case .invalidConfig(let m): m
        case .threadFailed(let rc): "synthetic venue thread failed (errno \(-rc))"
        }
    }
}

/// A C thread that random-walks every instrument's book and publishes it like a venue feed.
public final class SyntheticVenue: @unchecked Sendable {
    private let handle: OpaquePointer
    private let instance: EngineInstance

    /// Prepares the venue over an instance's segments. The corresponding C function is `tw_synth_create`.
    public init(instance: EngineInstance, config: SyntheticVenueConfig) throws(SyntheticVenueError) {
        guard config.startPrices.count == instance.config.instruments.count else {
            throw .invalidConfig("one start price per instrument is needed")
        }
        var cfg = tw_synth_config_t()
        cfg.seed = config.seed
        cfg.rate = config.rate
        cfg.cpu = Int32(config.core ?? -1)
        cfg.duration_ns = config.durationSeconds.map { Int64($0 * 1e9) } ?? 0
        cfg.max_events = config.maxEvents ?? 0
        var out: OpaquePointer?
        let rc = config.startPrices.withUnsafeBufferPointer { prices in
            tw_synth_create(&cfg, instance.md.base, instance.books.base, instance.stats.base, prices.baseAddress, &out)
        }
        guard rc == 0, let out else {
            throw .invalidConfig(rc == -34 ? "a start price is too close to zero for the book depth" : "errno \(-rc)")
        }
        self.handle = out
        self.instance = instance
    }

    /// Starts the thread. The corresponding C function is `tw_synth_start`.
    public func start() throws(SyntheticVenueError) {
        let rc = tw_synth_start(handle)
        guard rc == 0 else { throw .threadFailed(rc) }
    }

    /// Asks the thread to stop. The corresponding C function is `tw_synth_stop`.
    public func stop() { tw_synth_stop(handle) }

    /// Whether the thread still runs.
    public var isRunning: Bool { tw_synth_running(handle) != 0 }

    /// Events published so far.
    public var events: UInt64 { tw_synth_events(handle) }

    /// Waits for the thread to end. The corresponding C function is `tw_synth_join`.
    public func join() throws(SyntheticVenueError) {
        let rc = tw_synth_join(handle)
        guard rc == 0 else { throw .threadFailed(rc) }
    }

    deinit { tw_synth_destroy(handle) }
}

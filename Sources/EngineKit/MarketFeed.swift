import CEngineCore
import CEngineShm
import EngineModel

#if canImport(Glibc)
import Glibc
#endif

/// Which of Binance's book-sync rules a feed follows.
public enum FeedRule: Sendable, Equatable {
    /// Spot: `U <= lastUpdateId+1 <= u`, then `U == previous u + 1`.
    case spot
    /// USD-M futures: `u < lastUpdateId` dropped, then `pu == previous u`.
    case futures
}

/// How the feed thread waits for the network.
public enum FeedWait: String, Sendable, CaseIterable {
    /// Sleeps in io_uring until a completion or a short timeout: shares its core.
    case block
    /// Busy-polls the completion queue: lowest latency, owns its core.
    case spin
}

/// Everything a C feed thread is created with (`tw_feed_config_t`), in Swift terms.
public struct MarketFeedConfig: Sendable, Equatable {
    /// Book-sync rule (spot or futures).
    public var rule: FeedRule = .spot
    /// WebSocket host, port and combined-stream path (`/stream`).
    public var host: String
    public var port: UInt16
    public var path: String = "/stream"
    /// wss instead of ws.
    public var tls: Bool = false
    /// Check the server's certificate (turning it off is refused unless the host is loopback).
    public var verify: Bool = true
    /// PEM file of CAs to trust instead of the system's.
    public var caFile: String?
    /// Streams per symbol.
    public var depth: Bool = true
    public var bookTicker: Bool = true
    public var trade: Bool = true
    public var aggTrade: Bool = false
    /// Diff-depth interval: 100 or 1000 (spot), 100/250/500 (futures).
    public var depthIntervalMillis: UInt32 = 100
    /// Symbols carried by one connection.
    public var symbolsPerConnection: UInt32 = 16
    /// Core to pin the feed thread to, or nil.
    public var core: Int?
    /// Wait strategy.
    public var wait: FeedWait = .block
    /// Reconnect backoff: first delay, cap, and consecutive failures tolerated (0: unlimited).
    public var reconnectBaseMillis: UInt32 = 1000
    public var reconnectMaxMillis: UInt32 = 60_000
    public var reconnectAttempts: UInt32 = 0
    /// Silence after which a connection is presumed dead.
    public var heartbeatMillis: UInt32 = 30_000
    /// Age at which a connection is replaced (Binance cuts at 24 h).
    public var lifetimeSeconds: UInt32 = 23 * 3600 + 50 * 60
    /// A live book with no valid update for this many depth intervals (0 ms counts as 100) goes
    /// stale, and a syncing symbol without diffs for as long says so; 0: never.
    public var staleIntervals: UInt32 = 50
    /// Seed of jitter, masks and nonces.
    public var seed: UInt64 = 1

    /// A configuration for `host:port` with the defaults above.
    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }
}

/// Why a feed could not be created or ended.
public enum MarketFeedError: Error, Equatable, CustomStringConvertible {
    /// The configuration was refused; the message says why.
    case invalidConfig(String)
    /// The feed thread ended with an error (negative errno).
    case threadFailed(Int32)

    public var description: String {
        switch self {
        case .invalidConfig(let message): message
        case .threadFailed(let rc): "feed thread failed: \(String(cString: strerror(-rc))) (errno \(-rc))"
        }
    }
}

/// One connection's state as the feed thread last left it.
public struct FeedConnectionInfo: Sendable, Equatable {
    /// `open`, `connecting`, `tls`, `upgrading`, `closing` or `closed`.
    public var state: String
    public var symbols: Int
    public var attempts: Int
    public var connects: UInt64
    public var reconnects: UInt64
    public var lastError: Int32
    public var lastCloseCode: Int
    public var tlsError: String
}

/// A C market-data feed thread (`tw_feed_*`): io_uring sockets, TLS, WebSocket, Binance
/// decoders and book sync, writing books, md events and counters into an instance's segments.
///
/// Snapshots are not fetched by the thread: it asks through `wantedSnapshot(symbol:)` and a
/// fetcher off the hot path answers with `postSnapshot`.
public final class MarketFeed: @unchecked Sendable {
    private let handle: OpaquePointer
    private let instance: EngineInstance
    /// Stream symbol names (lowercase) in the order given, with their instrument index.
    public let symbols: [(stream: String, instrument: Int)]

    /// Prepares a feed for `instruments` (indices into the instance's instrument table).
    /// Resolves the host and builds the TLS context, so it may block briefly.
    public init(instance: EngineInstance, config: MarketFeedConfig, instruments: [Int]) throws(MarketFeedError) {
        var cfg = tw_feed_config_t()
        tw_feed_config_defaults(&cfg)
        cfg.rule = UInt32(config.rule == .spot ? TW_SYNC_SPOT_VALUE : TW_SYNC_FUTURES_VALUE)
        var streams: UInt32 = 0
        if config.depth { streams |= UInt32(TW_FEED_STREAM_DEPTH) }
        if config.bookTicker { streams |= UInt32(TW_FEED_STREAM_BOOKTICKER) }
        if config.trade { streams |= UInt32(TW_FEED_STREAM_TRADE) }
        if config.aggTrade { streams |= UInt32(TW_FEED_STREAM_AGGTRADE) }
        cfg.streams = streams
        cfg.depth_ms = config.depthIntervalMillis
        cfg.symbols_per_conn = config.symbolsPerConnection
        cfg.port = config.port
        cfg.tls = config.tls ? 1 : 0
        cfg.verify = config.verify ? 1 : 0
        cfg.cpu = Int32(config.core ?? -1)
        cfg.wait = config.wait == .spin ? UInt32(TW_FEED_WAIT_SPIN.rawValue) : UInt32(TW_FEED_WAIT_BLOCK.rawValue)
        cfg.reconnect_base_ms = config.reconnectBaseMillis
        cfg.reconnect_max_ms = config.reconnectMaxMillis
        cfg.reconnect_attempts = config.reconnectAttempts
        cfg.heartbeat_ms = config.heartbeatMillis
        cfg.stale_intervals = config.staleIntervals
        cfg.lifetime_s = config.lifetimeSeconds
        cfg.seed = config.seed
        var table: [tw_feed_symbol_t] = []
        var names: [(String, Int)] = []
        for index in instruments {
            guard index >= 0, index < instance.config.instruments.count else {
                throw .invalidConfig("instrument index \(index) is not in the instance")
            }
            let name = instance.config.instruments[index].symbol.lowercased()
            var entry = tw_feed_symbol_t()
            withUnsafeMutableBytes(of: &entry.stream_name) { raw in
                for (i, byte) in name.utf8.prefix(raw.count - 1).enumerated() { raw[i] = byte }
            }
            entry.instrument = UInt32(index)
            table.append(entry)
            names.append((name, index))
        }
        var out: OpaquePointer?
        let rc = config.host.withCString { host in
            config.path.withCString { path in
                withOptionalCString(config.caFile) { ca in
                    cfg.host = host
                    cfg.path = path
                    cfg.ca_file = ca
                    return tw_feed_create(
                        &cfg, table, UInt32(table.count), instance.md.base, instance.books.base, instance.stats.base,
                        &out)
                }
            }
        }
        guard rc == 0, let out else { throw .invalidConfig(Self.createFailure(rc, config)) }
        handle = out
        self.instance = instance
        symbols = names
    }

    /// The C side's message for the refusal (`tw_error_message()`, set by `tw_feed_create` for every cause),
    /// or a generic one when there is none.
    private static func createFailure(_ rc: Int32, _ config: MarketFeedConfig) -> String {
        let detail = String(cString: tw_error_message())
        if !detail.isEmpty { return detail }
        return switch -rc {
        case EPERM: "refusing to turn certificate checks off for \(config.host): allowed on loopback only"
        case EHOSTUNREACH: "cannot resolve \(config.host)"
        case EINVAL: "invalid feed configuration"
        default: "cannot create the feed: \(String(cString: strerror(-rc))) (errno \(-rc))"
        }
    }

    /// Starts the thread.
    public func start() throws(MarketFeedError) {
        let rc = tw_feed_start(handle)
        guard rc == 0 else { throw .threadFailed(rc) }
    }

    /// Asks the thread to stop; returns at once.
    public func stop() { tw_feed_stop(handle) }

    /// Whether the thread still runs.
    public var isRunning: Bool { tw_feed_running(handle) != 0 }

    /// Waits for the thread to end.
    public func join() throws(MarketFeedError) {
        let rc = tw_feed_join(handle)
        guard rc == 0 else { throw .threadFailed(rc) }
    }

    /// The ticket under which symbol `index` (position in `symbols`) wants a REST snapshot, or nil.
    public func wantedSnapshot(symbol index: Int) -> UInt64? {
        var ticket: UInt64 = 0
        return tw_feed_snapshot_wanted(handle, UInt32(index), &ticket) == 1 ? ticket : nil
    }

    /// Outcome of handing a snapshot to the feed thread.
    public enum PostResult: Equatable, Sendable {
        case accepted
        /// The connection dropped since the request: fetch again when asked.
        case stale
        case tooLarge
        case failed(Int32)
    }

    /// Hands a REST depth body to the feed thread (copied).
    public func postSnapshot(symbol index: Int, ticket: UInt64, body: [UInt8]) -> PostResult {
        let rc = body.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                tw_feed_snapshot_post(handle, UInt32(index), ticket, chars.baseAddress, chars.count)
            }
        }
        switch -rc {
        case 0: return .accepted
        case ESTALE: return .stale
        case EMSGSIZE: return .tooLarge
        default: return .failed(rc)
        }
    }

    /// Why a snapshot fetch failed, for the symbol's health (`engine status` says it).
    public enum SnapshotFailure: Sendable {
        case httpStatus(Int)
        case noAnswer
        case tooLarge
    }

    /// Tells the feed thread that fetching symbol `index`'s snapshot failed; it stays wanted.
    public func snapshotFailed(symbol index: Int, _ failure: SnapshotFailure) {
        let detail: UInt32
        switch failure {
        case .httpStatus(let status): detail = UInt32(clamping: max(100, status))
        case .noAnswer: detail = 0
        case .tooLarge: detail = 1
        }
        _ = tw_feed_snapshot_failed(handle, UInt32(index), detail)
    }

    /// An eventfd that becomes readable when a snapshot is wanted.
    public var requestFD: Int32 { tw_feed_request_fd(handle) }

    /// The thread's connections, as it last left them.
    public var connections: [FeedConnectionInfo] {
        (0..<tw_feed_conn_count(handle)).compactMap { i in
            var info = tw_feed_conn_info_t()
            guard tw_feed_conn_info(handle, i, &info) == 0 else { return nil }
            let tlsError = withUnsafeBytes(of: info.tls_error) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            return FeedConnectionInfo(
                state: Self.stateName(info.state), symbols: Int(info.symbols), attempts: Int(info.attempts),
                connects: info.connects, reconnects: info.reconnects, lastError: info.last_error,
                lastCloseCode: Int(info.last_close_code), tlsError: tlsError)
        }
    }

    private static func stateName(_ state: UInt32) -> String {
        switch state {
        case 1: "connecting"
        case 2: "tls"
        case 3: "upgrading"
        case 4: "open"
        case 5: "closing"
        default: "closed"
        }
    }

    deinit { tw_feed_destroy(handle) }
}

private let TW_SYNC_SPOT_VALUE: Int32 = 1
private let TW_SYNC_FUTURES_VALUE: Int32 = 2

/// Calls `body` with a C string for `text`, or NULL when it is nil.
func withOptionalCString<R>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let text else { return body(nil) }
    return text.withCString { body($0) }
}

// The small enums of the shared-memory ABI. Their raw values are the constants of
// CSources/CEngineShm/include/tickwire/abi.h (tw_side_t, tw_order_type_t, tw_tif_t,
// tw_feed_state_t) and must never change; the raw types are the widths of the struct fields
// that carry them (uint8_t in commands and trades, uint32_t for the feed state).

/// The side of an order, or of the taker of a trade (`tw_side_t`; 0, "none", is `nil`).
public enum Side: UInt8, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// A bid: buys the base asset. `TW_SIDE_BUY`.
    case buy = 1
    /// An ask: sells the base asset. `TW_SIDE_SELL`.
    case sell = 2

    /// The lower-case name: "buy", "sell".
    public var name: String {
        switch self {
        case .buy: "buy"
        case .sell: "sell"
        }
    }

    /// The side by its name, case-insensitive ("buy", "SELL"); nil when unknown.
    public init?(name: String) {
        guard let side = Self.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = side
    }

    /// The other side.
    public var opposite: Side { self == .buy ? .sell : .buy }

    /// The name.
    public var description: String { name }
}

/// How an order is priced (`tw_order_type_t`).
public enum OrderType: UInt8, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// Rests at its limit price if not matched. `TW_ORDER_LIMIT`.
    case limit = 1
    /// Takes liquidity at any price. `TW_ORDER_MARKET`.
    case market = 2
    /// A limit order rejected rather than matched on arrival (post-only). `TW_ORDER_LIMIT_MAKER`.
    case limitMaker = 3

    /// The lower-case name: "limit", "market", "limit_maker".
    public var name: String {
        switch self {
        case .limit: "limit"
        case .market: "market"
        case .limitMaker: "limit_maker"
        }
    }

    /// The order type by its name, case-insensitive ("limit", "LIMIT_MAKER"); nil when unknown.
    public init?(name: String) {
        guard let type = Self.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = type
    }

    /// The name.
    public var description: String { name }
}

/// How long an order stays working (`tw_tif_t`).
public enum TimeInForce: UInt8, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// Good till cancelled. `TW_TIF_GTC`.
    case gtc = 1
    /// Immediate or cancel: what does not fill at once is cancelled. `TW_TIF_IOC`.
    case ioc = 2
    /// Fill or kill: fills completely at once or not at all. `TW_TIF_FOK`.
    case fok = 3

    /// The lower-case name: "gtc", "ioc", "fok".
    public var name: String {
        switch self {
        case .gtc: "gtc"
        case .ioc: "ioc"
        case .fok: "fok"
        }
    }

    /// The time in force by its name, case-insensitive ("gtc", "IOC"); nil when unknown.
    public init?(name: String) {
        guard let tif = Self.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = tif
    }

    /// The name.
    public var description: String { name }
}

/// The state of an instrument's market-data feed (`tw_feed_state_t`).
public enum FeedState: UInt32, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// Not started. `TW_FEED_IDLE`.
    case idle = 0
    /// Connecting to the venue. `TW_FEED_CONNECTING`.
    case connecting = 1
    /// Connected, building the book from a snapshot and buffered updates. `TW_FEED_SYNCING`.
    case syncing = 2
    /// The book is in sync and updating. `TW_FEED_LIVE`.
    case live = 3
    /// The book can no longer be trusted (gap, disconnect, stop). `TW_FEED_STALE`.
    case stale = 4

    /// The lower-case name: "idle", "connecting", "syncing", "live", "stale".
    public var name: String {
        switch self {
        case .idle: "idle"
        case .connecting: "connecting"
        case .syncing: "syncing"
        case .live: "live"
        case .stale: "stale"
        }
    }

    /// The feed state by its name, case-insensitive ("live", "STALE"); nil when unknown.
    public init?(name: String) {
        guard let state = Self.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = state
    }

    /// Whether the book can be trusted: only when `live`.
    public var isLive: Bool { self == .live }

    /// The name.
    public var description: String { name }
}

/// Why a symbol's feed is in its state (`tw_status_reason_t`): the reason of the last state change, or
/// what keeps it where it is (a symbol stuck in syncing says why). The feed leaves a detail beside it.
public enum FeedReason: UInt32, CaseIterable, Sendable {
    case none = 0
    case start = 1
    case connected = 2
    case snapshot = 3
    case gap = 4
    case overflow = 5
    case disconnected = 6
    case reconnecting = 7
    case stopped = 8
    /// A live book had no valid update for the configured number of stream intervals; detail: ms.
    case noUpdates = 9
    /// Updates came back on the same chain after `noUpdates`: live again without a snapshot.
    case resumed = 10
    /// Syncing, and no depth diff has arrived since the connection opened; detail: ms.
    case noDiffs = 11
    /// Syncing, and the snapshot request failed; detail: the HTTP status, 0 when no answer came,
    /// 1 when the body was too large for the feed's buffer.
    case snapshotFailed = 12
    /// Syncing, and each snapshot so far was older than the buffered diffs; detail: how many.
    case notBridged = 13
    /// The connection's messages were mostly malformed or unroutable: closed, reconnecting; detail: % bad.
    case malformed = 14

    /// The snake-case name ("no_updates").
    public var name: String {
        switch self {
        case .none: "none"
        case .start: "start"
        case .connected: "connected"
        case .snapshot: "snapshot"
        case .gap: "gap"
        case .overflow: "overflow"
        case .disconnected: "disconnected"
        case .reconnecting: "reconnecting"
        case .stopped: "stopped"
        case .noUpdates: "no_updates"
        case .resumed: "resumed"
        case .noDiffs: "no_diffs"
        case .snapshotFailed: "snapshot_failed"
        case .notBridged: "not_bridged"
        case .malformed: "malformed"
        }
    }

    /// What a user is told, with the feed's detail.
    public func text(detail: UInt32) -> String {
        switch self {
        case .none: ""
        case .start: "feed started"
        case .connected: "connected, waiting for a snapshot"
        case .snapshot: "snapshot loaded"
        case .gap: "sequence gap or a book that cannot be trusted: resyncing"
        case .overflow: "too many diffs buffered while waiting for the snapshot"
        case .disconnected: "the connection dropped"
        case .reconnecting: "reconnecting"
        case .stopped: "the feed stopped"
        case .noUpdates: "no valid update for \(Self.seconds(detail))"
        case .resumed: "updates resumed on the same chain"
        case .noDiffs: "no depth diffs received for \(Self.seconds(detail))"
        case .snapshotFailed:
            detail >= 100
                ? "the snapshot request failed with HTTP status \(detail)"
                : detail == 1 ? "the snapshot was too large for the feed's buffer" : "the snapshot request got no answer"
        case .notBridged:
            "\(detail) snapshot\(detail == 1 ? " was" : "s were") older than the buffered diffs: the chain never bridged"
        case .malformed: "\(detail)% of the connection's messages were malformed: closed, reconnecting"
        }
    }

    private static func seconds(_ ms: UInt32) -> String {
        ms >= 10_000 ? "\(ms / 1000) s" : "\(ms / 1000).\(ms % 1000 / 100) s"
    }
}

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

/// The engine's numbers at one moment: what /metrics, /health and the dashboards are made of.
/// Counters are totals since the engine started (the control plane turns them into increments).
public struct EngineSample: Sendable, Equatable {
    /// When it was read, and when the engine started (ns since the epoch).
    public var nowNs: Int64 = 0
    public var startedNs: Int64 = 0
    /// The engine's state word ("live", "starting", "stopping", "dead").
    public var state = "live"
    /// The kill switch: "normal", "reduce_only" or "halted".
    public var killSwitch = "normal"
    public var feeds: [FeedSample] = []
    public var orders: [OrderTally] = []
    /// Commands through pre-trade risk: passed, refused, and failures after it (journal full, gateway).
    public var requestsAccepted: UInt64 = 0
    public var requestsRejected: UInt64 = 0
    public var requestsFailed: UInt64 = 0
    /// Gateway messages that did not decode.
    public var gatewayMalformed: UInt64 = 0
    /// The order path's circuit breaker: 0 closed, 1 open, 2 half open (seed 002).
    public var circuitBreaker = 0
    public var strategies: [StrategySample] = []
    /// Strategy orders refused by risk, by reason.
    public var rejectedByRisk: [String: UInt64] = [:]
    /// Signals the aggregator turned into order wishes.
    public var signalsAggregated: [String: UInt64] = [:]
    public var account: AccountSample?
    public var histograms: [HistogramSample] = []

    public init() {}
}

/// One symbol's feed.
public struct FeedSample: Sendable, Equatable {
    public var symbol: String
    public var venue: String
    /// "live", "syncing", "stale", "down", …
    public var state: String
    /// Whether its connection is up (syncing counts: the socket is open).
    public var connected: Bool
    /// ms since its last book update; nil before the first.
    public var lastUpdateAgeMs: Double?
    public var messages: UInt64 = 0
    public var bookUpdates: UInt64 = 0
    public var trades: UInt64 = 0
    public var malformed: UInt64 = 0
    public var gaps: UInt64 = 0
    public var resyncs: UInt64 = 0
    public var reconnects: UInt64 = 0
    public var bookTickerMismatches: UInt64 = 0
    /// Why it is in its state ("no_updates", "snapshot_failed", …; "none"), and what a user is told ("" when nothing).
    public var reason = "none"
    public var reasonText = ""

    public init(symbol: String, venue: String, state: String, connected: Bool) {
        self.symbol = symbol
        self.venue = venue
        self.state = state
        self.connected = connected
    }

    /// Errors of every kind (for errors_last_minute).
    public var errors: UInt64 { malformed + gaps + bookTickerMismatches }
}

/// Orders of one symbol and side, from the exec journal.
public struct OrderTally: Sendable, Equatable {
    public var symbol: String
    public var side: String
    public var submitted: UInt64 = 0
    public var filled: UInt64 = 0
    public var canceled: UInt64 = 0
    public var makerFills: UInt64 = 0
    public var takerFills: UInt64 = 0
    /// Sent → acknowledged by the venue, ms, of orders acknowledged since the previous sample.
    public var newAckLatenciesMs: [Double] = []

    public init(symbol: String, side: String) {
        self.symbol = symbol
        self.side = side
    }
}

/// One strategy.
public struct StrategySample: Sendable, Equatable {
    public var name: String
    public var running: Bool
    public var symbols: [String]
    public var signals: UInt64
    public var orders: UInt64
    public var errors: UInt64
    public var overBudget: UInt64

    public init(
        name: String, running: Bool, symbols: [String], signals: UInt64, orders: UInt64, errors: UInt64,
        overBudget: UInt64
    ) {
        self.name = name
        self.running = running
        self.symbols = symbols
        self.signals = signals
        self.orders = orders
        self.errors = errors
        self.overBudget = overBudget
    }
}

/// The account's figures in its quote asset (decimal values as Double: they are gauges).
public struct AccountSample: Sendable, Equatable {
    public var quoteAsset = "USDT"
    public var balance = 0.0
    public var available = 0.0
    public var totalPnl = 0.0
    public var realizedPnl = 0.0
    public var unrealizedPnl = 0.0
    public var dailyPnl = 0.0
    public var positionCount = 0
    public var positionValue: [String: Double] = [:]
    public var marginRatio: Double?
    public var reconciliationMismatches: UInt64 = 0
    /// Alerts raised, by "severity/category".
    public var alerts: [String: UInt64] = [:]

    public init() {}
}

/// A latency histogram of the stats segment: cumulative counts at upper bounds in `unit`.
public struct HistogramSample: Sendable, Equatable {
    /// The metric's name (seed 002) and labels.
    public var name: String
    public var labels: [String: String]
    /// (upper bound, how many observations are at or under it), bounds ascending, without +Inf.
    public var buckets: [(bound: Double, count: UInt64)]
    public var count: UInt64
    public var sum: Double

    public init(
        name: String, labels: [String: String], buckets: [(bound: Double, count: UInt64)], count: UInt64, sum: Double
    ) {
        self.name = name
        self.labels = labels
        self.buckets = buckets
        self.count = count
        self.sum = sum
    }

    public static func == (a: HistogramSample, b: HistogramSample) -> Bool {
        a.name == b.name && a.labels == b.labels && a.count == b.count && a.sum == b.sum
            && a.buckets.map(\.bound) == b.buckets.map(\.bound) && a.buckets.map(\.count) == b.buckets.map(\.count)
    }
}

// The limits the alert monitor checks the account against (seed 002 FR-AM-005), from the engine's
// configuration: every limit is optional (nil: not checked) and the timings have defaults, so a
// configuration file names only what it sets.

/// What `AlertMonitor` raises alerts at.
public struct AlertLimits: Hashable, Sendable, Codable {
    /// Raise "daily_drawdown" when the day's PnL falls below −this (nil: not checked).
    public var maxDailyDrawdown: Amount?
    /// Raise "margin_ratio" when the USD-M equity over the margin in use falls below this, in basis
    /// points (nil: not checked).
    public var minMarginRatioBps: Int?
    /// Raise "position_size" when a symbol's |size × mark| exceeds this (nil: not checked).
    public var maxPositionNotional: Amount?
    /// Raise "total_exposure" when the sum of every symbol's |size × mark| exceeds this (nil: not checked).
    public var maxTotalExposure: Amount?
    /// Raise "liquidation_proximity" when a USD-M mark is closer than this to its liquidation price,
    /// in basis points of the mark.
    public var liquidationProximityBps: Int
    /// Raise "execution_quiet" when orders are open and nothing executed for longer than this (ns).
    public var quietExecutionNs: Int64
    /// Raise "slow_recovery" when a start-up recovery takes longer than this (ns).
    public var slowRecoveryNs: Int64
    /// The USD-M margin asset whose balance the margin ratio counts ("USDT").
    public var marginAsset: String

    /// Limits from their parts; by default nothing but the timings and liquidation proximity is checked.
    public init(
        maxDailyDrawdown: Amount? = nil, minMarginRatioBps: Int? = nil, maxPositionNotional: Amount? = nil,
        maxTotalExposure: Amount? = nil, liquidationProximityBps: Int = 1000, quietExecutionNs: Int64 = 1_000_000_000,
        slowRecoveryNs: Int64 = 10_000_000_000, marginAsset: String = "USDT"
    ) {
        self.maxDailyDrawdown = maxDailyDrawdown
        self.minMarginRatioBps = minMarginRatioBps
        self.maxPositionNotional = maxPositionNotional
        self.maxTotalExposure = maxTotalExposure
        self.liquidationProximityBps = liquidationProximityBps
        self.quietExecutionNs = quietExecutionNs
        self.slowRecoveryNs = slowRecoveryNs
        self.marginAsset = marginAsset
    }

    /// Decodes the limits a configuration names; the others keep their defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = AlertLimits()
        maxDailyDrawdown = try container.decodeIfPresent(Amount.self, forKey: .maxDailyDrawdown)
        minMarginRatioBps = try container.decodeIfPresent(Int.self, forKey: .minMarginRatioBps)
        maxPositionNotional = try container.decodeIfPresent(Amount.self, forKey: .maxPositionNotional)
        maxTotalExposure = try container.decodeIfPresent(Amount.self, forKey: .maxTotalExposure)
        liquidationProximityBps =
            try container.decodeIfPresent(Int.self, forKey: .liquidationProximityBps)
            ?? defaults.liquidationProximityBps
        quietExecutionNs =
            try container.decodeIfPresent(Int64.self, forKey: .quietExecutionNs) ?? defaults.quietExecutionNs
        slowRecoveryNs = try container.decodeIfPresent(Int64.self, forKey: .slowRecoveryNs) ?? defaults.slowRecoveryNs
        marginAsset = try container.decodeIfPresent(String.self, forKey: .marginAsset) ?? defaults.marginAsset
    }
}

import EngineModel

/// The per-instrument limits pre-trade validation applies beyond the venue's filters.
public struct InstrumentLimits: Hashable, Sendable {
    /// The smallest order quantity (Binance LOT_SIZE minQty); nil: no minimum beyond > 0.
    public var minQuantity: Quantity?
    /// The largest order quantity (LOT_SIZE maxQty, or tighter); nil: no maximum.
    public var maxQuantity: Quantity?
    /// The largest absolute position, long or short, counting open orders; nil: no limit.
    public var maxPosition: Quantity?
    /// How far a limit price may be from the live mid, in basis points (1000 = ±10 %).
    public var priceBandBps: Int
    /// Whether a limit order is refused (`.noMarket`) when there is no live mid to check its
    /// band against. Market orders always need a mid (for notional and balance).
    public var requireMid: Bool

    /// Limits; the defaults are seed 002's: ±10 % band, a mid required, no quantity or position
    /// limits.
    public init(
        minQuantity: Quantity? = nil, maxQuantity: Quantity? = nil, maxPosition: Quantity? = nil,
        priceBandBps: Int = 1_000, requireMid: Bool = true
    ) {
        self.minQuantity = minQuantity
        self.maxQuantity = maxQuantity
        self.maxPosition = maxPosition
        self.priceBandBps = max(0, priceBandBps)
        self.requireMid = requireMid
    }
}

import EngineModel

/// One asset's balance (seed 000 BalanceEntry, seed 002 AccountBalance).
public struct BalanceEntry: Hashable, Sendable, Codable {
    public var asset: String
    public var total: Amount
    public var available: Amount
    /// In orders: `total − available`.
    public var hold: Amount { total - available }
    public var source: BalanceSource
    public var updatedNs: Int64

    public init(asset: String, total: Amount, available: Amount, source: BalanceSource, updatedNs: Int64) {
        self.asset = asset
        self.total = total
        self.available = available
        self.source = source
        self.updatedNs = updatedNs
    }
}

/// Which position: one per (strategy, symbol); strategy 0 is manual and external orders.
public struct PositionKey: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var strategyId: UInt32
    public var symbol: String

    public init(strategyId: UInt32, symbol: String) {
        self.strategyId = strategyId
        self.symbol = symbol
    }

    public static func < (lhs: PositionKey, rhs: PositionKey) -> Bool {
        (lhs.symbol, lhs.strategyId) < (rhs.symbol, rhs.strategyId)
    }

    public var description: String { "\(symbol):\(strategyId)" }
}

/// A position and its PnL (seed 002 Position, seed 001 PositionStore entry). Spot positions are
/// the base asset bought minus sold by this engine's fills; USD-M positions are the contract's.
public struct PositionEntry: Hashable, Sendable {
    public var key: PositionKey
    public var market: MarketKind
    /// Signed: + long, − short, 0 flat.
    public var size: SignedSize
    /// The average cost of the open size (nil when flat).
    public var entryPrice: Amount?
    public var markPrice: Amount?
    public var unrealizedPnl: Amount
    public var realizedPnl: Amount
    /// Fees of this position's fills, in the quote asset.
    public var feesPaid: Amount
    /// USD-M funding received (+) or paid (−).
    public var funding: Amount
    public var leverage: Int?
    public var marginUsed: Amount?
    public var liquidationPrice: Amount?
    public var updatedNs: Int64

    public init(key: PositionKey, market: MarketKind, size: SignedSize) {
        self.key = key
        self.market = market
        self.size = size
        entryPrice = nil
        markPrice = nil
        unrealizedPnl = .zero
        realizedPnl = .zero
        feesPaid = .zero
        funding = .zero
        leverage = nil
        marginUsed = nil
        liquidationPrice = nil
        updatedNs = 0
    }

    /// "long", "short" or "flat".
    public var side: String { size.mantissa > 0 ? "long" : size.mantissa < 0 ? "short" : "flat" }
}

/// Profit and loss (seed 002 PnLSummary), in the quote asset (USDT), fixed point.
public struct PnLSummary: Hashable, Sendable, Codable {
    public var realizedPnl: Amount = .zero
    public var unrealizedPnl: Amount = .zero
    public var totalPnl: Amount { realizedPnl + unrealizedPnl - feesPaid + funding }
    /// Total PnL since 00:00 UTC.
    public var dailyPnl: Amount = .zero
    public var feesPaid: Amount = .zero
    public var funding: Amount = .zero
    /// Closing fills with a positive realized PnL over all closing fills, in basis points (nil: none yet).
    public var winRateBps: Int?
    /// The deepest fall of total PnL from its running peak.
    public var maxDrawdown: Amount = .zero
    /// `maxDrawdown` over the peak equity it fell from, in basis points (nil: no equity base known).
    public var maxDrawdownBps: Int?
    public var closingTrades: Int = 0
    public var winningTrades: Int = 0

    public init() {}
}

/// The account at one moment: immutable once published (seed 000 AccountSnapshot).
public struct AccountSnapshot: Sendable {
    /// Monotonic: every applied change makes a new version.
    public var version: UInt64
    public var balances: [String: BalanceEntry]
    public var positions: [PositionKey: PositionEntry]
    /// Open orders and the most recently closed ones, by client order id.
    public var orders: [String: AccountOrder]
    /// Per strategy, and the total under `PnLSummary` of the whole account.
    public var pnlByStrategy: [UInt32: PnLSummary]
    public var pnl: PnLSummary
    /// The last exec journal record applied (0: none).
    public var journalSeq: UInt64
    public var updatedNs: Int64
    /// USD-M: the venue's own account-wide view of each symbol's position (its last `.position`
    /// event), beside the engine's per-strategy `positions` computed from fills.
    public var venuePositions: [String: PositionUpdate]

    /// The empty account, version 0.
    public init() {
        version = 0
        balances = [:]
        positions = [:]
        orders = [:]
        pnlByStrategy = [:]
        pnl = PnLSummary()
        journalSeq = 0
        updatedNs = 0
        venuePositions = [:]
    }
}

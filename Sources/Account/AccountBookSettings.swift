import EngineModel

/// What the account book knows of one traded symbol (from exchangeInfo).
public struct SymbolInfo: Sendable, Hashable {
    /// The asset bought and sold ("BTC").
    public var baseAsset: String
    /// The asset prices are in ("USDT"; USD-M: the margin asset).
    public var quoteAsset: String
    /// Spot or USD-M.
    public var market: MarketKind

    /// A symbol's assets and market.
    public init(baseAsset: String, quoteAsset: String, market: MarketKind) {
        self.baseAsset = baseAsset
        self.quoteAsset = quoteAsset
        self.market = market
    }
}

/// How an `AccountBook` is set up.
public struct AccountBookSettings: Sendable {
    /// The venue the account is at ("binance", "sim", …).
    public var venue: String
    /// The currency PnL is reported in ("USDT"); fees in other assets are converted to it.
    public var quoteAsset: String
    /// The traded symbols, by name ("BTCUSDT").
    public var symbols: [String: SymbolInfo]
    /// How many of each order's most recent fills `AccountBook.executions(clientOrderId:)` keeps.
    public var executionRingCapacity: Int
    /// How many closed orders the book keeps (the oldest closed ones are evicted beyond it).
    public var closedOrdersKept: Int

    /// Settings for an account at `venue` reporting PnL in `quoteAsset`.
    public init(
        venue: String, quoteAsset: String, symbols: [String: SymbolInfo] = [:], executionRingCapacity: Int = 32,
        closedOrdersKept: Int = 256
    ) {
        precondition(executionRingCapacity > 0, "executionRingCapacity must be positive")
        precondition(closedOrdersKept >= 0, "closedOrdersKept must not be negative")
        self.venue = venue
        self.quoteAsset = quoteAsset
        self.symbols = symbols
        self.executionRingCapacity = executionRingCapacity
        self.closedOrdersKept = closedOrdersKept
    }
}

/// One thing an applied event changed: what a broadcaster or a recorder needs to hear.
public enum AccountChange: Sendable, Hashable {
    /// An asset's balance, as the venue now says it.
    case balance(BalanceEntry)
    /// A (strategy, symbol) position after a fill, a mark, funding or a venue position update.
    case position(PositionEntry)
    /// The venue's account-wide USD-M position of a symbol (stored in `venuePositions`).
    case venuePosition(PositionUpdate)
    /// An open order's new state (or a closed order updated again).
    case order(AccountOrder)
    /// A new fill (never one already seen).
    case fill(Fill)
    /// An order that stopped being open.
    case orderClosed(AccountOrder)
    /// The whole account's PnL after the event.
    case pnl(PnLSummary)
    /// The processor is alive (the book never emits it; `AccountBroadcaster.heartbeat` does).
    case heartbeat(ns: Int64)

    /// The broadcast topic (seed 000): "balance.update", "position.update", "order.update",
    /// "order.fill", "order.closed", "pnl.update" or "heartbeat".
    public var topic: String {
        switch self {
        case .balance: "balance.update"
        case .position, .venuePosition: "position.update"
        case .order: "order.update"
        case .fill: "order.fill"
        case .orderClosed: "order.closed"
        case .pnl: "pnl.update"
        case .heartbeat: "heartbeat"
        }
    }

    /// The symbol the change concerns; nil for balances, PnL and heartbeats.
    public var symbol: String? {
        switch self {
        case .position(let entry): entry.key.symbol
        case .venuePosition(let update): update.symbol
        case .order(let order), .orderClosed(let order): order.symbol
        case .fill(let fill): fill.symbol
        case .balance, .pnl, .heartbeat: nil
        }
    }
}

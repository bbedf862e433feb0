import EngineModel

/// Which side of a trade provided liquidity.
public enum Liquidity: String, Hashable, Sendable, Codable {
    case maker, taker
}

/// The market a fill, balance or position belongs to.
public enum MarketKind: String, Hashable, Sendable, Codable {
    /// Spot: a fill moves base and quote balances.
    case spot
    /// USD-M perpetuals: a fill moves a position; realized PnL, fees and funding move the margin asset.
    case usdm
}

/// One venue trade of one of our orders, exactly once per (venue, trade id).
public struct Fill: Hashable, Sendable {
    /// "binance", "binance-futures", "sim", …: with `tradeId`, the fill's identity.
    public var venue: String
    /// The venue's trade id.
    public var tradeId: UInt64
    public var market: MarketKind
    public var symbol: String
    public var baseAsset: String
    /// The quote asset (USD-M: the margin asset, USDT).
    public var quoteAsset: String
    public var side: Side
    public var price: Price
    public var quantity: Quantity
    /// The commission charged for this trade (≥ 0; a rebate is negative), in `feeAsset`.
    public var fee: Amount
    public var feeAsset: String
    public var liquidity: Liquidity
    public var clientOrderId: String
    public var venueOrderId: UInt64
    /// The strategy that sent the order (0: manual / external).
    public var strategyId: UInt32
    /// The venue's trade time, ns since the epoch.
    public var venueNs: Int64

    public init(
        venue: String, tradeId: UInt64, market: MarketKind, symbol: String, baseAsset: String, quoteAsset: String,
        side: Side, price: Price, quantity: Quantity, fee: Amount, feeAsset: String, liquidity: Liquidity,
        clientOrderId: String, venueOrderId: UInt64, strategyId: UInt32, venueNs: Int64
    ) {
        self.venue = venue
        self.tradeId = tradeId
        self.market = market
        self.symbol = symbol
        self.baseAsset = baseAsset
        self.quoteAsset = quoteAsset
        self.side = side
        self.price = price
        self.quantity = quantity
        self.fee = fee
        self.feeAsset = feeAsset
        self.liquidity = liquidity
        self.clientOrderId = clientOrderId
        self.venueOrderId = venueOrderId
        self.strategyId = strategyId
        self.venueNs = venueNs
    }

    /// The identity a ledger, a recorder and a reconciliation deduplicate by.
    public var key: String { "\(venue):\(tradeId)" }

    /// `price × quantity` in the quote asset.
    public var notional: Amount { Amount.notional(price, quantity) }
}

/// Where a balance figure came from.
public enum BalanceSource: String, Hashable, Sendable, Codable {
    /// The venue's user-data stream (outboundAccountPosition, ACCOUNT_UPDATE).
    case stream
    /// A REST query of the account (reconciliation, start).
    case reconciliation
    /// Derived locally from fills and fees (between venue updates).
    case local
}

/// The venue says an asset's balance is now this.
public struct BalanceUpdate: Hashable, Sendable, Codable {
    public var asset: String
    public var free: Amount
    public var locked: Amount
    public var source: BalanceSource
    public var venueNs: Int64

    public init(asset: String, free: Amount, locked: Amount, source: BalanceSource, venueNs: Int64) {
        self.asset = asset
        self.free = free
        self.locked = locked
        self.source = source
        self.venueNs = venueNs
    }
}

/// The venue says a USD-M position is now this (one-way mode: signed size, + long, − short).
public struct PositionUpdate: Hashable, Sendable {
    public var symbol: String
    public var size: SignedSize
    public var entryPrice: Price
    /// The venue's unrealized PnL, when it says.
    public var unrealized: Amount?
    public var leverage: Int?
    public var liquidationPrice: Price?
    public var markPrice: Price?
    public var venueNs: Int64

    public init(
        symbol: String, size: SignedSize, entryPrice: Price, unrealized: Amount? = nil, leverage: Int? = nil,
        liquidationPrice: Price? = nil, markPrice: Price? = nil, venueNs: Int64
    ) {
        self.symbol = symbol
        self.size = size
        self.entryPrice = entryPrice
        self.unrealized = unrealized
        self.leverage = leverage
        self.liquidationPrice = liquidationPrice
        self.markPrice = markPrice
        self.venueNs = venueNs
    }
}

/// A USD-M funding payment (+ received, − paid), once per event id.
public struct FundingPayment: Hashable, Sendable, Codable {
    public var venue: String
    public var eventId: String
    public var symbol: String
    public var asset: String
    public var amount: Amount
    public var venueNs: Int64

    public init(venue: String, eventId: String, symbol: String, asset: String, amount: Amount, venueNs: Int64) {
        self.venue = venue
        self.eventId = eventId
        self.symbol = symbol
        self.asset = asset
        self.amount = amount
        self.venueNs = venueNs
    }

    /// The identity the ledger deduplicates by.
    public var key: String { "\(venue):funding:\(eventId)" }
}

/// An order as the account shows it (seed 000 OrderEntry).
public struct AccountOrder: Hashable, Sendable {
    public var clientOrderId: String
    public var venueOrderId: UInt64
    public var symbol: String
    public var side: Side
    public var type: String
    public var price: Price?
    public var quantity: Quantity
    public var filledQuantity: Quantity
    /// The volume-weighted fill price (nil before the first fill).
    public var averagePrice: Amount?
    /// The order state's name ("new", "partially_filled", "filled", "canceled", …).
    public var status: String
    public var isOpen: Bool
    public var strategyId: UInt32
    public var lastUpdateNs: Int64
    /// The journal record that last changed it: orders are updated in this order.
    public var lastEventSeq: UInt64

    public init(
        clientOrderId: String, venueOrderId: UInt64, symbol: String, side: Side, type: String, price: Price?,
        quantity: Quantity, filledQuantity: Quantity, averagePrice: Amount?, status: String, isOpen: Bool,
        strategyId: UInt32, lastUpdateNs: Int64, lastEventSeq: UInt64
    ) {
        self.clientOrderId = clientOrderId
        self.venueOrderId = venueOrderId
        self.symbol = symbol
        self.side = side
        self.type = type
        self.price = price
        self.quantity = quantity
        self.filledQuantity = filledQuantity
        self.averagePrice = averagePrice
        self.status = status
        self.isOpen = isOpen
        self.strategyId = strategyId
        self.lastUpdateNs = lastUpdateNs
        self.lastEventSeq = lastEventSeq
    }
}

/// Everything the account processor applies, in journal order.
public enum AccountEvent: Hashable, Sendable {
    case fill(Fill)
    case balance(BalanceUpdate)
    case position(PositionUpdate)
    case funding(FundingPayment)
    /// An order's new state (placed, acknowledged, filled, closed).
    case order(AccountOrder)
    /// A new mark for a symbol (the live book's mid; USD-M: the mark price), for unrealized PnL.
    case mark(symbol: String, price: Price, ns: Int64)
    /// Time passes (daily PnL rolls over at 00:00 UTC, the quiet-stream alert is timed).
    case clock(ns: Int64)
}

import EngineModel

/// Where a balance's last change came from (`tw_balance_source_t`; a value this build does not know is `unknown`).
public enum AccountBalanceSource: UInt8, Sendable, CustomStringConvertible {
    case unknown = 0
    case stream = 1
    case reconciliation = 2
    case local = 3

    public var description: String {
        switch self {
        case .unknown: "unknown"
        case .stream: "stream"
        case .reconciliation: "reconciliation"
        case .local: "local"
        }
    }
}

/// The market a position is held in (`tw_market_t`; a value this build does not know is `unknown`).
public enum AccountMarket: UInt8, Sendable, CustomStringConvertible {
    case unknown = 0
    case spot = 1
    case usdm = 2

    public var description: String {
        switch self {
        case .unknown: "unknown"
        case .spot: "spot"
        case .usdm: "usdm"
        }
    }
}

/// PnL totals of the whole account, in the quote asset at exponent −8 (`TW_ACCOUNT_EXPONENT`).
public struct AccountTotalsView: Equatable, Sendable {
    public var realized: Int64
    public var unrealized: Int64
    public var total: Int64
    public var daily: Int64
    public var fees: Int64
    public var funding: Int64
    public var maxDrawdown: Int64
    /// Share of winning closed trades in basis points; nil while unknown (−1 in shared memory).
    public var winRateBps: Int32?
    /// The largest drawdown in basis points of the peak; nil while unknown (−1 in shared memory).
    public var maxDrawdownBps: Int32?

    /// Totals; every amount a mantissa at exponent −8.
    public init(
        realized: Int64 = 0, unrealized: Int64 = 0, total: Int64 = 0, daily: Int64 = 0, fees: Int64 = 0,
        funding: Int64 = 0, maxDrawdown: Int64 = 0, winRateBps: Int32? = nil, maxDrawdownBps: Int32? = nil
    ) {
        self.realized = realized
        self.unrealized = unrealized
        self.total = total
        self.daily = daily
        self.fees = fees
        self.funding = funding
        self.maxDrawdown = maxDrawdown
        self.winRateBps = winRateBps
        self.maxDrawdownBps = maxDrawdownBps
    }
}

/// One asset's balance; amounts are mantissas at exponent −8.
public struct AccountBalanceView: Equatable, Sendable {
    /// Upper case, at most 15 bytes in shared memory.
    public var asset: String
    public var total: Int64
    public var available: Int64
    /// Locked in open orders.
    public var hold: Int64
    public var updatedNs: Int64
    public var source: AccountBalanceSource

    /// A balance; amounts at exponent −8.
    public init(
        asset: String, total: Int64, available: Int64, hold: Int64, updatedNs: Int64,
        source: AccountBalanceSource
    ) {
        self.asset = asset
        self.total = total
        self.available = available
        self.hold = hold
        self.updatedNs = updatedNs
        self.source = source
    }
}

/// One position of a strategy in a symbol. `size` is a mantissa at `quantityExponent` (negative: short);
/// every price and amount is a mantissa at exponent −8.
public struct AccountPositionView: Equatable, Sendable {
    public var strategyId: UInt32
    /// Upper case, at most 23 bytes in shared memory.
    public var symbol: String
    public var market: AccountMarket
    public var size: Int64
    public var quantityExponent: Int8
    public var entryPrice: Int64
    /// nil while no mark is known.
    public var markPrice: Int64?
    public var unrealized: Int64
    public var realized: Int64
    public var fees: Int64
    public var funding: Int64
    public var marginUsed: Int64
    /// nil when unknown (spot, or not reported by the venue).
    public var liquidationPrice: Int64?
    /// 0: none (spot).
    public var leverage: Int32
    public var updatedNs: Int64

    /// A position; see the type's documentation for the exponents.
    public init(
        strategyId: UInt32, symbol: String, market: AccountMarket, size: Int64, quantityExponent: Int8,
        entryPrice: Int64, markPrice: Int64?, unrealized: Int64, realized: Int64, fees: Int64, funding: Int64,
        marginUsed: Int64, liquidationPrice: Int64?, leverage: Int32, updatedNs: Int64
    ) {
        self.strategyId = strategyId
        self.symbol = symbol
        self.market = market
        self.size = size
        self.quantityExponent = quantityExponent
        self.entryPrice = entryPrice
        self.markPrice = markPrice
        self.unrealized = unrealized
        self.realized = realized
        self.fees = fees
        self.funding = funding
        self.marginUsed = marginUsed
        self.liquidationPrice = liquidationPrice
        self.leverage = leverage
        self.updatedNs = updatedNs
    }
}

/// One order the account knows. `price` is a mantissa at `priceExponent`, `quantity` and `filled` at
/// `quantityExponent`, `averagePrice` at exponent −8.
public struct AccountOrderView: Equatable, Sendable {
    /// At most 39 bytes in shared memory.
    public var clientOrderId: String
    /// 0 until the venue names it.
    public var venueOrderId: UInt64
    public var symbol: String
    public var side: Side?
    public var orderType: OrderType?
    /// `tw_order_state_t` (0: none).
    public var state: UInt8
    public var isOpen: Bool
    public var strategyId: UInt32
    public var price: Int64
    public var quantity: Int64
    public var filled: Int64
    public var priceExponent: Int8
    public var quantityExponent: Int8
    public var averagePrice: Int64
    public var lastUpdateNs: Int64
    /// The exec journal record that last changed the order.
    public var lastEventSeq: UInt64

    /// An order; see the type's documentation for the exponents.
    public init(
        clientOrderId: String, venueOrderId: UInt64, symbol: String, side: Side?, orderType: OrderType?,
        state: UInt8, isOpen: Bool, strategyId: UInt32, price: Int64, quantity: Int64, filled: Int64,
        priceExponent: Int8, quantityExponent: Int8, averagePrice: Int64, lastUpdateNs: Int64, lastEventSeq: UInt64
    ) {
        self.clientOrderId = clientOrderId
        self.venueOrderId = venueOrderId
        self.symbol = symbol
        self.side = side
        self.orderType = orderType
        self.state = state
        self.isOpen = isOpen
        self.strategyId = strategyId
        self.price = price
        self.quantity = quantity
        self.filled = filled
        self.priceExponent = priceExponent
        self.quantityExponent = quantityExponent
        self.averagePrice = averagePrice
        self.lastUpdateNs = lastUpdateNs
        self.lastEventSeq = lastEventSeq
    }
}

/// A snapshot of the account as the account segment carries it: plain values, no pointers.
public struct AccountView: Equatable, Sendable {
    /// Strictly increasing per published snapshot; 0: nothing published yet.
    public var version: UInt64
    public var updatedNs: Int64
    /// The last exec journal record applied.
    public var journalSeq: UInt64
    /// The asset PnL is counted in (at most 15 bytes in shared memory).
    public var quoteAsset: String
    public var totals: AccountTotalsView
    public var balances: [AccountBalanceView]
    public var positions: [AccountPositionView]
    public var orders: [AccountOrderView]
    /// Read side: the writer left entries out for want of capacity (ignored when publishing).
    public var truncated: Bool
    /// The kill switch: its position, since when (ns; 0 never moved) and why (ABI 2.1).
    public var risk = AccountRiskView()

    /// A snapshot.
    public init(
        version: UInt64, updatedNs: Int64, journalSeq: UInt64, quoteAsset: String,
        totals: AccountTotalsView = AccountTotalsView(), balances: [AccountBalanceView] = [],
        positions: [AccountPositionView] = [], orders: [AccountOrderView] = [], truncated: Bool = false
    ) {
        self.version = version
        self.updatedNs = updatedNs
        self.journalSeq = journalSeq
        self.quoteAsset = quoteAsset
        self.totals = totals
        self.balances = balances
        self.positions = positions
        self.orders = orders
        self.truncated = truncated
    }
}

/// The kill switch as the account segment shows it.
public struct AccountRiskView: Equatable, Sendable {
    /// The switch's positions (`tw_risk_state_t`).
    public enum State: UInt8, Sendable, CustomStringConvertible {
        case active = 0, reducing = 1, halted = 2
        /// The lower-case name.
        public var description: String {
            switch self {
            case .active: "active"
            case .reducing: "reducing"
            case .halted: "halted"
            }
        }
    }

    public var state: State
    public var sinceNs: Int64
    /// Cut to 31 bytes in shared memory.
    public var reason: String

    /// A switch position.
    public init(state: State = .active, sinceNs: Int64 = 0, reason: String = "") {
        self.state = state
        self.sinceNs = sinceNs
        self.reason = reason
    }
}

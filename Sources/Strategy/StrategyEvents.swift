import EngineModel

/// One level of a book: mantissas at the instrument's exponents.
public struct Level: Equatable, Hashable, Sendable {
    public var price: Int64
    public var quantity: Int64
    public init(price: Int64, quantity: Int64) {
        self.price = price
        self.quantity = quantity
    }
}

/// The top of a book after a change: mantissas at the instrument's exponents; a zero quantity
/// means that side is empty.
public struct Quote: Equatable, Sendable {
    public var bidPrice: Int64
    public var bidQuantity: Int64
    public var askPrice: Int64
    public var askQuantity: Int64

    public init(bidPrice: Int64, bidQuantity: Int64, askPrice: Int64, askQuantity: Int64) {
        self.bidPrice = bidPrice
        self.bidQuantity = bidQuantity
        self.askPrice = askPrice
        self.askQuantity = askQuantity
    }

    /// Both sides present and not crossed.
    public var isTwoSided: Bool { bidQuantity > 0 && askQuantity > 0 && bidPrice < askPrice }
    /// The mid, rounded down to the mantissa; nil unless two-sided.
    public var mid: Int64? { isTwoSided ? bidPrice + (askPrice - bidPrice) / 2 : nil }
}

/// A market event as a strategy sees it (book change, venue BBO, or trade print).
public struct MarketUpdate: Equatable, Sendable {
    /// What happened.
    public enum Kind: Equatable, Sendable {
        /// The engine's book changed; its new top.
        case book(Quote)
        /// The venue's best bid/offer.
        case bbo(Quote)
        /// A public trade: price, quantity, and the taker's side when known.
        case trade(price: Int64, quantity: Int64, aggressor: Side?)
    }

    /// The instrument's index.
    public var instrument: Int
    /// When, ns since the epoch (the exchange's time in a backtest, the receive time live).
    public var timeNs: Int64
    /// The event.
    public var kind: Kind

    public init(instrument: Int, timeNs: Int64, kind: Kind) {
        self.instrument = instrument
        self.timeNs = timeNs
        self.kind = kind
    }

    /// The quote of a book or BBO event.
    public var quote: Quote? {
        switch kind {
        case .book(let q), .bbo(let q): q
        case .trade: nil
        }
    }
}

/// An order of a strategy changed state (from the exec journal live, from the matching engine in
/// a backtest).
public struct OrderStatusUpdate: Equatable, Sendable {
    /// Where an order stands, as a strategy needs it.
    public enum Status: String, Equatable, Sendable {
        case pending, open, partiallyFilled = "partially_filled", filled, canceled, rejected, expired
        /// No further change will come.
        public var isFinal: Bool { self == .filled || self == .canceled || self == .rejected || self == .expired }
    }

    public var instrument: Int
    public var clientOrderId: String
    public var side: Side
    public var status: Status
    /// The rejection's or cancel's text, when there is one.
    public var text: String
    public var timeNs: Int64

    public init(instrument: Int, clientOrderId: String, side: Side, status: Status, text: String = "", timeNs: Int64) {
        self.instrument = instrument
        self.clientOrderId = clientOrderId
        self.side = side
        self.status = status
        self.text = text
        self.timeNs = timeNs
    }
}

/// A fill of a strategy's order.
public struct StrategyFill: Equatable, Sendable {
    public var instrument: Int
    public var clientOrderId: String
    public var side: Side
    /// Price and quantity mantissas at the instrument's exponents.
    public var price: Int64
    public var quantity: Int64
    public var isMaker: Bool
    public var timeNs: Int64

    public init(
        instrument: Int, clientOrderId: String, side: Side, price: Int64, quantity: Int64, isMaker: Bool, timeNs: Int64
    ) {
        self.instrument = instrument
        self.clientOrderId = clientOrderId
        self.side = side
        self.price = price
        self.quantity = quantity
        self.isMaker = isMaker
        self.timeNs = timeNs
    }
}

/// A strategy's position in one instrument after a fill: signed quantity mantissa.
public struct PositionUpdate: Equatable, Sendable {
    public var instrument: Int
    public var quantity: Int64
    public var timeNs: Int64

    public init(instrument: Int, quantity: Int64, timeNs: Int64) {
        self.instrument = instrument
        self.quantity = quantity
        self.timeNs = timeNs
    }
}

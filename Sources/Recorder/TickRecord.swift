import EngineModel

/// What a market data tick records.
public enum TickKind: UInt8, Hashable, Sendable, CaseIterable {
    /// A public trade: price, quantity and the aggressor's side.
    case trade = 1
    /// A best bid and offer: the bid in `price`/`quantity`, the ask in `askPrice`/`askQuantity`.
    case bbo = 2
}

/// One market data event as the recorder stores it: a trade or a best bid and offer.
///
/// A trade uses `price`, `quantity` and `side`; a BBO uses `price`/`quantity` for the bid and
/// `askPrice`/`askQuantity` for the ask (`bidPrice` and friends name them for readers).
public struct TickRecord: Sendable, Hashable {
    /// The instrument ("BTCUSDT").
    public var symbol: String
    /// A trade or a BBO.
    public var kind: TickKind
    /// The exchange time, ns since the epoch.
    public var ns: Int64
    /// Trade: the trade price. BBO: the best bid.
    public var price: Price
    /// Trade: the traded quantity. BBO: the quantity at the best bid.
    public var quantity: Quantity
    /// Trade: the aggressor's side, when the venue says. BBO: nil.
    public var side: Side?
    /// BBO: the best ask. Trade: nil.
    public var askPrice: Price?
    /// BBO: the quantity at the best ask. Trade: nil.
    public var askQuantity: Quantity?

    /// A tick from all its parts; prefer `trade(…)` and `bbo(…)`.
    public init(
        symbol: String, kind: TickKind, ns: Int64, price: Price, quantity: Quantity, side: Side?,
        askPrice: Price?, askQuantity: Quantity?
    ) {
        self.symbol = symbol
        self.kind = kind
        self.ns = ns
        self.price = price
        self.quantity = quantity
        self.side = side
        self.askPrice = askPrice
        self.askQuantity = askQuantity
    }

    /// A public trade.
    public static func trade(symbol: String, ns: Int64, price: Price, quantity: Quantity, side: Side?) -> TickRecord {
        TickRecord(
            symbol: symbol, kind: .trade, ns: ns, price: price, quantity: quantity, side: side, askPrice: nil,
            askQuantity: nil)
    }

    /// A best bid and offer.
    public static func bbo(
        symbol: String, ns: Int64, bidPrice: Price, bidQuantity: Quantity, askPrice: Price, askQuantity: Quantity
    ) -> TickRecord {
        TickRecord(
            symbol: symbol, kind: .bbo, ns: ns, price: bidPrice, quantity: bidQuantity, side: nil,
            askPrice: askPrice, askQuantity: askQuantity)
    }

    /// BBO: the best bid (nil for a trade).
    public var bidPrice: Price? { kind == .bbo ? price : nil }

    /// BBO: the quantity at the best bid (nil for a trade).
    public var bidQuantity: Quantity? { kind == .bbo ? quantity : nil }
}

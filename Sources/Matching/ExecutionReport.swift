import EngineModel

/// One `executionReport` of the user data stream: what happened to an order, and its state
/// afterwards.
///
/// Field names follow the REST and WebSocket payloads (`c` is `clientOrderId`, `C`
/// `originalClientOrderId`, `l` `lastQty`, `z` `order.executedQty`, `Z`
/// `order.cumulativeQuoteQty`, `w` `order.isWorking`, …).
public struct ExecutionReport: Hashable, Sendable {
    /// The order's state after this execution.
    public let order: VenueOrder

    /// `x`: NEW, TRADE, CANCELED, EXPIRED, REJECTED.
    public let executionType: VenueExecutionType

    /// `c`: the order's client id, or for CANCELED the cancel request's own client id.
    public let clientOrderId: String

    /// `C`: for CANCELED, the client id of the order canceled; nil otherwise.
    public let originalClientOrderId: String?

    /// `I`: the execution id, increasing per symbol.
    public let executionId: Int64

    /// `T` (and `E`): the caller's clock at the transition.
    public let transactTime: Int64

    /// `l`: the quantity of this fill (zero unless TRADE).
    public let lastQty: Quantity

    /// `L`: the price of this fill (zero unless TRADE).
    public let lastPrice: Price

    /// `Y`: `lastPrice × lastQty` at the quote asset's exponent, rounded down.
    public let lastQuoteQty: Quantity

    /// `n`: the commission of this fill, in `commissionAsset`.
    public let commission: Quantity

    /// `N`: the asset the commission was charged in; nil unless TRADE.
    public let commissionAsset: String?

    /// `t`: the trade id, −1 unless TRADE.
    public let tradeId: Int64

    /// `m`: whether this order was the maker of the fill.
    public let isMaker: Bool

    /// Whether the fill was against a replayed (shadow) book rather than another order.
    public let isShadowFill: Bool

    /// The owner of the order.
    public var account: AccountID { order.account }

    /// The order's symbol.
    public var symbol: String { order.symbol }
}

/// One fill of one order, as the FULL order response's `fills` and `GET /api/v3/myTrades`
/// report it.
public struct VenueFill: Hashable, Sendable {
    /// The symbol.
    public let symbol: String

    /// The trade id, increasing per symbol (shared by the two sides of a trade).
    public let tradeId: Int64

    /// The order that filled.
    public let orderId: Int64

    /// The owner of that order.
    public let account: AccountID

    /// The side of that order.
    public let side: Side

    /// The trade price.
    public let price: Price

    /// The quantity traded.
    public let quantity: Quantity

    /// `price × quantity` at the quote asset's exponent, rounded down.
    public let quoteQuantity: Quantity

    /// The commission charged on this fill.
    public let commission: Quantity

    /// The asset the commission was charged in (the asset received).
    public let commissionAsset: String

    /// The caller's clock at the fill.
    public let time: Int64

    /// Whether the order was resting on the book (maker).
    public let isMaker: Bool

    /// Whether the counterparty was the replayed (shadow) book.
    public let isShadow: Bool

    /// Whether the order bought.
    public var isBuyer: Bool { side == .buy }
}

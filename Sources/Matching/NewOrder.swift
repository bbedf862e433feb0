import EngineModel

/// A new-order request as `POST /api/v3/order` carries it, after the transport layer parsed
/// the strings: optional fields are nil when the parameter was not sent, so the engine can
/// answer a missing or superfluous parameter with Binance's own error.
///
/// Prices and quantities may come at any exponent; the engine moves them to the symbol's
/// exponents and refuses values that are not exact there with the filter they break.
public struct NewOrder: Hashable, Sendable {
    /// The symbol ("BTCUSDT").
    public var symbol: String

    /// BUY or SELL.
    public var side: Side

    /// LIMIT, MARKET or LIMIT_MAKER.
    public var type: OrderType

    /// Required for LIMIT, refused for MARKET and LIMIT_MAKER.
    public var timeInForce: TimeInForce?

    /// The limit price; required for LIMIT and LIMIT_MAKER, refused for MARKET.
    public var price: Price?

    /// The base quantity; required for LIMIT and LIMIT_MAKER. A MARKET order needs exactly one
    /// of `quantity` and `quoteOrderQty`.
    public var quantity: Quantity?

    /// For MARKET only: the amount of quote asset to spend (BUY) or receive (SELL); the engine
    /// works out the quantity, rounded down to the step.
    public var quoteOrderQty: Quantity?

    /// `newClientOrderId`: the idempotency key; generated like Binance's when nil.
    public var clientOrderId: String?

    /// A request from its parameters; see the properties for which are needed when.
    public init(
        symbol: String, side: Side, type: OrderType, timeInForce: TimeInForce? = nil, price: Price? = nil,
        quantity: Quantity? = nil, quoteOrderQty: Quantity? = nil, clientOrderId: String? = nil
    ) {
        self.symbol = symbol
        self.side = side
        self.type = type
        self.timeInForce = timeInForce
        self.price = price
        self.quantity = quantity
        self.quoteOrderQty = quoteOrderQty
        self.clientOrderId = clientOrderId
    }

    /// A LIMIT order.
    public static func limit(
        _ symbol: String, _ side: Side, price: Price, quantity: Quantity, timeInForce: TimeInForce = .gtc,
        clientOrderId: String? = nil
    ) -> NewOrder {
        NewOrder(
            symbol: symbol, side: side, type: .limit, timeInForce: timeInForce, price: price, quantity: quantity,
            clientOrderId: clientOrderId)
    }

    /// A LIMIT_MAKER (post-only) order.
    public static func limitMaker(
        _ symbol: String, _ side: Side, price: Price, quantity: Quantity, clientOrderId: String? = nil
    ) -> NewOrder {
        NewOrder(
            symbol: symbol, side: side, type: .limitMaker, price: price, quantity: quantity,
            clientOrderId: clientOrderId)
    }

    /// A MARKET order for a base quantity.
    public static func market(
        _ symbol: String, _ side: Side, quantity: Quantity, clientOrderId: String? = nil
    ) -> NewOrder {
        NewOrder(symbol: symbol, side: side, type: .market, quantity: quantity, clientOrderId: clientOrderId)
    }

    /// A MARKET order for an amount of the quote asset (`quoteOrderQty`).
    public static func market(
        _ symbol: String, _ side: Side, quoteOrderQty: Quantity, clientOrderId: String? = nil
    ) -> NewOrder {
        NewOrder(symbol: symbol, side: side, type: .market, quoteOrderQty: quoteOrderQty, clientOrderId: clientOrderId)
    }
}

/// How a cancel or a query names an order: by the venue's `orderId` or by the client order id
/// (`origClientOrderId`).
public enum OrderRef: Hashable, Sendable {
    /// The venue's order id.
    case orderId(Int64)
    /// The client order id the order was placed with.
    case clientOrderId(String)
}

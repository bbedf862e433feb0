import EngineModel

/// An order's state as `GET /api/v3/order` reports it: identity, parameters and progress.
///
/// Prices and quantities are at the symbol's exponents; quote amounts at the quote asset's.
public struct VenueOrder: Hashable, Sendable {
    /// The owner.
    public let account: AccountID

    /// The symbol ("BTCUSDT").
    public let symbol: String

    /// The venue's id, increasing per symbol.
    public let orderId: Int64

    /// The client order id it was placed with (given or generated).
    public let clientOrderId: String

    /// BUY or SELL.
    public let side: Side

    /// LIMIT, MARKET or LIMIT_MAKER.
    public let type: OrderType

    /// The time in force (GTC for MARKET and LIMIT_MAKER, as Binance reports them).
    public let timeInForce: TimeInForce

    /// The limit price; zero for MARKET.
    public let price: Price

    /// The quantity asked for; for a MARKET order by quote amount, the quantity the engine
    /// worked out from the book.
    public let origQty: Quantity

    /// The `quoteOrderQty` of a MARKET order by quote amount; zero otherwise.
    public let origQuoteOrderQty: Quantity

    /// Filled so far.
    public internal(set) var executedQty: Quantity

    /// Σ price × quantity over the fills, at the quote asset's exponent (each fill rounded down).
    public internal(set) var cumulativeQuoteQty: Quantity

    /// NEW, PARTIALLY_FILLED, FILLED, CANCELED, EXPIRED (or REJECTED).
    public internal(set) var status: VenueOrderStatus

    /// When the order was accepted (the caller's clock).
    public let time: Int64

    /// When the order last changed.
    public internal(set) var updateTime: Int64

    /// When the order was put on the book; nil if it never rested.
    public internal(set) var workingTime: Int64?

    /// Whether the order is resting on the book now.
    public internal(set) var isWorking: Bool

    /// The average fill price `cumulativeQuoteQty / executedQty` at `exponent`, rounded down;
    /// nil before the first fill.
    public func averagePrice(exponent: Int8) -> Price? {
        guard executedQty.mantissa > 0 else { return nil }
        let shift = Int(cumulativeQuoteQty.exponent) - Int(executedQty.exponent) - Int(exponent)
        let mantissa = ScaledMath.quotient(
            cumulativeQuoteQty.mantissa, shift: shift, dividedBy: executedQty.mantissa, rounding: .down)
        return mantissa.map { Price(mantissa: $0, exponent: exponent) }
    }

    /// The remaining quantity.
    public var remainingQty: Quantity {
        Quantity(mantissa: origQty.mantissa - executedQty.mantissa, exponent: origQty.exponent)
    }
}

/// An order's status; the raw value is Binance's name.
public enum VenueOrderStatus: String, Hashable, Sendable, CaseIterable {
    /// Accepted, nothing filled.
    case new = "NEW"
    /// Partly filled, still open (or expired/canceled afterwards, then reported as such).
    case partiallyFilled = "PARTIALLY_FILLED"
    /// Completely filled.
    case filled = "FILLED"
    /// Canceled by the user.
    case canceled = "CANCELED"
    /// Refused by the matching engine.
    case rejected = "REJECTED"
    /// Ended by its time in force (IOC/FOK/MARKET remainder).
    case expired = "EXPIRED"

    /// Whether an order in this status is still working.
    public var isOpen: Bool { self == .new || self == .partiallyFilled }
}

/// Why an execution report was sent; the raw value is Binance's `x`.
public enum VenueExecutionType: String, Hashable, Sendable, CaseIterable {
    /// The order was accepted.
    case new = "NEW"
    /// The order was canceled.
    case canceled = "CANCELED"
    /// The order was replaced (cancel-replace; not produced by this engine yet).
    case replaced = "REPLACED"
    /// The order was rejected by the matching engine.
    case rejected = "REJECTED"
    /// Part or all of the order traded.
    case trade = "TRADE"
    /// The order expired (IOC, FOK, MARKET remainder).
    case expired = "EXPIRED"
}

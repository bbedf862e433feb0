import EngineModel

/// Everything the engine knows about one order: what was asked, what the venue said, what
/// traded. A value: `OrderStateMachine` owns the live copy and hands out snapshots.
///
/// Quantities are at the instrument's quantity exponent; the limit price and the average price
/// at its price exponent; `cumulativeQuote` (Σ price × quantity of the trades seen) at the sum of
/// the two, exactly as `tw_exec_report_t.cum_quote`. Fees are summed per asset, exactly, at the
/// finest exponent they were reported at.
public struct OrderRecord: Hashable, Sendable {
    /// The engine's id for the order at the venue (Binance `newClientOrderId`).
    public let clientOrderId: String
    /// The venue's id, once the venue has named it.
    public internal(set) var venueOrderId: UInt64?
    /// The instrument's index in the shared-memory instrument table.
    public let instrumentIndex: UInt32
    /// The instrument's symbol ("BTCUSDT").
    public let symbol: String
    /// The instrument's price exponent (the limit and average prices are at it).
    public let priceExponent: Int8
    /// Buy or sell.
    public let side: Side
    /// Limit, market or limit-maker.
    public let type: OrderType
    /// Time in force.
    public let timeInForce: TimeInForce
    /// The limit price; nil for market orders.
    public let price: Price?
    /// The ordered quantity.
    public let quantity: Quantity
    /// The sum of the quantities of the trades seen (each trade id once).
    public internal(set) var filledQuantity: Quantity
    /// The largest cumulative filled quantity the venue has reported (acks, fills, status); more
    /// than `filledQuantity` when trades are still to be seen or fetched.
    public internal(set) var venueFilledQuantity: Quantity
    /// Σ price × quantity of the trades seen, at `priceExponent + quantity.exponent`.
    public internal(set) var cumulativeQuote: Price
    /// Where the order is.
    public internal(set) var state: OrderState
    /// The latest rejection or cancel-rejection, or the reason the outcome became unknown.
    public internal(set) var lastReason: OrderReason?
    /// Fees paid, by asset ("BNB", "USDT"); negative amounts are rebates.
    public internal(set) var fees: [String: Price]
    /// The venue trade ids already applied: a repeated id is a duplicate.
    public internal(set) var tradeIds: Set<UInt64>
    /// The hop times.
    public internal(set) var times: OrderTimes
    /// The strategy that asked for the order (0: none).
    public let strategyId: UInt32
    /// The producer's command id.
    public let commandId: UInt64
    /// The producer's lane token.
    public let producer: UInt64

    /// A NEW order from a request, under `clientOrderId`, created at `createdNs`.
    public init(request: OrderRequest, clientOrderId: String, createdNs: Int64) {
        self.clientOrderId = clientOrderId
        self.venueOrderId = nil
        self.instrumentIndex = request.instrumentIndex
        self.symbol = request.instrument.symbol
        self.priceExponent = request.instrument.priceExponent
        self.side = request.side
        self.type = request.type
        self.timeInForce = request.timeInForce
        self.price = request.price
        self.quantity = request.quantity
        let zero = Quantity(mantissa: 0, exponent: request.quantity.exponent)
        self.filledQuantity = zero
        self.venueFilledQuantity = zero
        let quoteExponent = Int(request.instrument.priceExponent) + Int(request.quantity.exponent)
        // Outside −18…18 no fill can be priced (each is reported as invalid); clamp so the record exists.
        self.cumulativeQuote = Price(mantissa: 0, exponent: Int8(max(-18, min(18, quoteExponent))))
        self.state = .new
        self.lastReason = nil
        self.fees = [:]
        self.tradeIds = []
        self.times = OrderTimes(createdNs: createdNs)
        self.strategyId = request.strategyId
        self.commandId = request.commandId
        self.producer = request.producer
    }

    /// The best known filled quantity: the larger of the trades seen and the venue's word.
    public var knownFilledQuantity: Quantity { max(filledQuantity, venueFilledQuantity) }

    /// What is left to trade: quantity − `knownFilledQuantity` (never negative).
    public var remainingQuantity: Quantity {
        Quantity(mantissa: max(0, quantity.mantissa - knownFilledQuantity.mantissa), exponent: quantity.exponent)
    }

    /// Quantity the venue says traded but whose trades have not been seen yet (0 when none).
    public var missingQuantity: Quantity {
        let gap = venueFilledQuantity.mantissa - filledQuantity.mantissa
        return Quantity(mantissa: max(0, gap), exponent: quantity.exponent)
    }

    /// The average fill price at `priceExponent`: `cumulativeQuote / filledQuantity`, rounded
    /// half to even (so the rounding is unbiased over many orders). Nil before the first fill.
    public var averagePrice: Price? {
        guard filledQuantity.mantissa > 0 else { return nil }
        guard let mantissa = FixedPointMath.divideHalfEven(cumulativeQuote.mantissa, filledQuantity.mantissa)
        else { return nil }
        return Price(mantissa: mantissa, exponent: priceExponent)
    }

    /// The exposure the order still adds while open: the remaining quantity, 0 when not open.
    public var openExposure: Quantity {
        state.isOpen ? remainingQuantity : Quantity(mantissa: 0, exponent: quantity.exponent)
    }
}

import EngineModel

/// A new order whose parameters passed the symbol's filters, as mantissas at the symbol's
/// exponents (the quote amount at the quote asset's exponent).
struct ValidatedOrder: Sendable {
    /// BUY or SELL.
    var side: Side
    /// LIMIT, MARKET or LIMIT_MAKER.
    var type: OrderType
    /// GTC for MARKET and LIMIT_MAKER, as Binance reports them.
    var timeInForce: TimeInForce
    /// The limit price mantissa; 0 for MARKET.
    var price: Int64
    /// The base quantity mantissa; nil for a MARKET order by quote amount.
    var quantity: Int64?
    /// The `quoteOrderQty` mantissa at the quote asset's exponent, when given.
    var quoteAmount: Int64?
}

extension SymbolSpec {
    /// Checks the parameters and the PRICE_FILTER, LOT_SIZE and NOTIONAL filters, in that order.
    ///
    /// - Parameters:
    ///   - referencePrice: the last trade price mantissa, for MARKET orders' notional; nil
    ///     skips that check (nothing traded yet).
    ///   - quoteExponent: the exponent of the quote asset's balances.
    func validate(
        _ order: NewOrder, referencePrice: Int64?, quoteExponent: Int8
    ) throws(VenueError) -> ValidatedOrder {
        switch order.type {
        case .limit, .limitMaker:
            if order.type == .limit, order.timeInForce == nil { throw .mandatoryParameter("timeInForce") }
            if order.type == .limitMaker, order.timeInForce != nil { throw .timeInForceNotRequired }
            guard let quantity = order.quantity else { throw .mandatoryParameter("quantity") }
            guard let price = order.price else { throw .mandatoryParameter("price") }
            if order.quoteOrderQty != nil { throw .parameterNotRequired("quoteOrderQty") }
            let p = try priceMantissa(price)
            let q = try quantityMantissa(quantity)
            try checkNotional(price: p, quantity: q, market: false)
            return ValidatedOrder(
                side: order.side, type: order.type, timeInForce: order.timeInForce ?? .gtc, price: p, quantity: q,
                quoteAmount: nil)
        case .market:
            if order.timeInForce != nil { throw .timeInForceNotRequired }
            if order.price != nil { throw .parameterNotRequired("price") }
            switch (order.quantity, order.quoteOrderQty) {
            case (nil, nil):
                throw .eitherParameter("quantity", "quoteOrderQty")
            case (.some, .some):
                throw .parameterNotRequired("quoteOrderQty")
            case (let quantity?, nil):
                let q = try quantityMantissa(quantity)
                if let reference = referencePrice { try checkNotional(price: reference, quantity: q, market: true) }
                return ValidatedOrder(
                    side: order.side, type: .market, timeInForce: .gtc, price: 0, quantity: q, quoteAmount: nil)
            case (nil, let quote?):
                let amount = try quoteMantissa(quote, exponent: quoteExponent)
                return ValidatedOrder(
                    side: order.side, type: .market, timeInForce: .gtc, price: 0, quantity: nil, quoteAmount: amount)
            }
        }
    }

    /// PRICE_FILTER: the mantissa at the price exponent, > 0, within min/max, on the tick.
    func priceMantissa(_ price: Price) throws(VenueError) -> Int64 {
        guard let p = try? price.rescaled(to: priceExponent).mantissa, p > 0 else {
            throw .filterFailure(.priceFilter)
        }
        let tooLow = minPrice.mantissa > 0 && p < minPrice.mantissa
        let tooHigh = maxPrice.mantissa > 0 && p > maxPrice.mantissa
        if tooLow || tooHigh || p % instrument.tickSize.mantissa != 0 { throw .filterFailure(.priceFilter) }
        return p
    }

    /// LOT_SIZE: the mantissa at the quantity exponent, > 0, within min/max, on the step.
    func quantityMantissa(_ quantity: Quantity) throws(VenueError) -> Int64 {
        guard let q = try? quantity.rescaled(to: quantityExponent).mantissa, q > 0 else {
            throw .filterFailure(.lotSize)
        }
        let tooHigh = maxQuantity.mantissa > 0 && q > maxQuantity.mantissa
        if q < minQuantity.mantissa || tooHigh || q % instrument.stepSize.mantissa != 0 {
            throw .filterFailure(.lotSize)
        }
        return q
    }

    /// NOTIONAL: price × quantity within `minNotional`…`maxNotional` (for MARKET orders only
    /// the bounds that apply to them).
    func checkNotional(price: Int64, quantity: Int64, market: Bool) throws(VenueError) {
        // Compare at the price exponent: notional = p·q·10^(pe+qe) = (p·q·10^qe)·10^pe.
        let shift = Int(quantityExponent)
        if !market || applyMinNotionalToMarket {
            let floor = ScaledMath.product(price, quantity, shift: shift, rounding: .down)
            if let floor, floor < instrument.minNotional.mantissa { throw .filterFailure(.notional) }
        }
        if let maxNotional, !market || applyMaxNotionalToMarket {
            let ceiling = ScaledMath.product(price, quantity, shift: shift, rounding: .up)
            guard let ceiling, ceiling <= maxNotional.mantissa else { throw .filterFailure(.notional) }
        }
    }

    /// A `quoteOrderQty` at the quote asset's exponent, checked against the notional bounds
    /// that apply to MARKET orders.
    func quoteMantissa(_ amount: Quantity, exponent: Int8) throws(VenueError) -> Int64 {
        guard let q = try? amount.rescaled(to: exponent).mantissa else { throw .badPrecision("quoteOrderQty") }
        guard q > 0 else { throw .filterFailure(.notional) }
        let value = Price(mantissa: q, exponent: exponent)
        if applyMinNotionalToMarket && value < instrument.minNotional { throw .filterFailure(.notional) }
        if applyMaxNotionalToMarket, let maxNotional, value > maxNotional { throw .filterFailure(.notional) }
        return q
    }
}

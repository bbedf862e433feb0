import EngineModel

/// Pre-trade validation (seed 002 FR-OE-002): the rules every new order passes before it goes to
/// the gateway, whoever sent it. Pure: the order, the instrument and a `ValidationContext` in,
/// the first failed rule out as an `OrderRejection` (a `RejectCode` and a specific text).
///
/// The rules, always in this order (the first failure is the one reported):
/// 0. halted — trading is halted (`.halted`)
/// 1. malformed — quantity ≤ 0; a limit order without a price > 0; a market order with a price;
///    a limit-maker order with IOC/FOK (`.malformed`)
/// 2. tick — the price is a multiple of the tick size, at the price exponent (`.tick`)
/// 3. lot — the quantity is a multiple of the step size, at the quantity exponent (`.lot`)
/// 4. min/max quantity — per-instrument limits (`.minQuantity`, `.maxQuantity`)
/// 5. notional — price × quantity ≥ minNotional; market orders use the mid (`.notional`;
///    a market order without a mid: `.noMarket`)
/// 6. price band — a limit price within ±band of the mid (`.priceBand`; no mid: `.noMarket`
///    when the instrument requires one, else skipped)
/// 7. position — |position + this order + open orders on its side| ≤ maxPosition, or nearer to
///    flat than the position now (`.position`)
/// 8. balance — buys: quote ≥ price × quantity (market: the band's top × quantity); sells:
///    base ≥ quantity (`.balance`)
/// 9. rate — the rate limiter's answer (`.rate`)
/// 10. breaker — the circuit breaker's answer (`.breaker`)
public struct PreTradeValidator: Hashable, Sendable {
    /// Where the per-instrument limits come from.
    public var settings: ExecutionSettings

    /// A validator with `settings` (seed 002's defaults unless given).
    public init(settings: ExecutionSettings = .defaults) {
        self.settings = settings
    }

    /// Checks `request` against its instrument and `context`; throws the first failed rule.
    public func validate(_ request: OrderRequest, context: ValidationContext) throws(OrderRejection) {
        let instrument = request.instrument
        let limits = settings.limits(for: instrument.symbol)
        if context.halted { throw OrderRejection(.halted) }
        try checkWellFormed(request)
        let price = try checkTick(request.price, instrument)
        let quantity = try checkLot(request.quantity, instrument)
        try checkQuantityLimits(quantity, limits, symbol: instrument.symbol)
        try checkNotional(price: price, quantity: quantity, mid: context.mid, instrument)
        try checkPriceBand(price, mid: context.mid, limits, symbol: instrument.symbol)
        try checkPosition(request.side, quantity, context: context, limits, symbol: instrument.symbol)
        try checkBalance(request.side, price: price, quantity: quantity, context: context, limits)
        guard context.rate.isAllowed else { throw OrderRejection(.rate, context.rate.description) }
        guard context.breaker.isAllowed else { throw OrderRejection(.breaker, context.breaker.description) }
    }

    /// The first failed rule, or nil when the order passes.
    public func firstFailure(_ request: OrderRequest, context: ValidationContext) -> OrderRejection? {
        do {
            try validate(request, context: context)
            return nil
        } catch {
            return error
        }
    }

    // MARK: - Rules 1–4

    /// Rule 1.
    func checkWellFormed(_ request: OrderRequest) throws(OrderRejection) {
        let symbol = request.instrument.symbol
        guard request.quantity.mantissa > 0 else {
            throw OrderRejection(.malformed, "\(symbol) quantity \(request.quantity) must be greater than zero")
        }
        switch request.type {
        case .market:
            if let price = request.price {
                throw OrderRejection(.malformed, "\(symbol) market order must not carry a price (\(price))")
            }
        case .limit, .limitMaker:
            guard let price = request.price, price.mantissa > 0 else {
                let given = request.price.map { "\($0)" } ?? "none"
                throw OrderRejection(.malformed, "\(symbol) \(request.type) order needs a price > 0 (given: \(given))")
            }
        }
        if request.type == .limitMaker && request.timeInForce != .gtc {
            throw OrderRejection(.malformed, "\(symbol) limit_maker order cannot be \(request.timeInForce)")
        }
    }

    /// Rule 2: the price at the instrument's exponent, on the tick grid (nil for market orders).
    func checkTick(_ price: Price?, _ instrument: Instrument) throws(OrderRejection) -> Price? {
        guard let price else { return nil }
        guard let aligned = FixedPointMath.aligned(price, to: instrument.priceExponent),
            aligned.isMultiple(of: instrument.tickSize)
        else {
            throw OrderRejection(
                .tick, "\(instrument.symbol) price \(price) is not a multiple of the tick size \(instrument.tickSize)")
        }
        return aligned
    }

    /// Rule 3: the quantity at the instrument's exponent, on the step grid.
    func checkLot(_ quantity: Quantity, _ instrument: Instrument) throws(OrderRejection) -> Quantity {
        guard let aligned = FixedPointMath.aligned(quantity, to: instrument.quantityExponent),
            aligned.isMultiple(of: instrument.stepSize)
        else {
            throw OrderRejection(
                .lot,
                "\(instrument.symbol) quantity \(quantity) is not a multiple of the step size \(instrument.stepSize)")
        }
        return aligned
    }

    /// Rule 4.
    func checkQuantityLimits(_ quantity: Quantity, _ limits: InstrumentLimits, symbol: String) throws(OrderRejection) {
        if let minimum = limits.minQuantity, quantity < minimum {
            throw OrderRejection(.minQuantity, "\(symbol) quantity \(quantity) is below the minimum \(minimum)")
        }
        if let maximum = limits.maxQuantity, quantity > maximum {
            throw OrderRejection(.maxQuantity, "\(symbol) quantity \(quantity) is above the maximum \(maximum)")
        }
    }
}

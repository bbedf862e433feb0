import EngineModel

/// The live values pre-trade validation checks an order against, gathered by the owner at the
/// moment of the check. Plain values, so every rule can be tested without I/O.
public struct ValidationContext: Hashable, Sendable {
    /// The live mid price of the instrument (any exponent); nil when there is no live book.
    public var mid: Price?
    /// The current position as a signed mantissa at the instrument's quantity exponent
    /// (positive long, negative short).
    public var position: Int64
    /// The remaining quantity of the instrument's open orders, per side.
    public var openExposure: OpenExposure
    /// Free quote-asset balance for buys (as a notional, any exponent); nil: not checked.
    public var availableQuote: Price?
    /// Free base-asset balance for sells (any exponent); nil: not checked (futures, margin).
    public var availableBase: Quantity?
    /// The rate limiter's answer (`OrderRateLimiter.check(now:)`).
    public var rate: OrderRateLimiter.Decision
    /// The circuit breaker's answer (`CircuitBreaker.check(now:)`).
    public var breaker: CircuitBreaker.Decision
    /// Whether trading is halted (kill switch, authentication failure).
    public var halted: Bool

    /// A context; everything not given passes (no position, no exposure, balances not checked,
    /// rate and breaker allowed, not halted).
    public init(
        mid: Price?, position: Int64 = 0, openExposure: OpenExposure? = nil, quantityExponent: Int8 = 0,
        availableQuote: Price? = nil, availableBase: Quantity? = nil,
        rate: OrderRateLimiter.Decision = .allowed, breaker: CircuitBreaker.Decision = .allowed,
        halted: Bool = false
    ) {
        self.mid = mid
        self.position = position
        self.openExposure = openExposure ?? OpenExposure(quantityExponent: quantityExponent)
        self.availableQuote = availableQuote
        self.availableBase = availableBase
        self.rate = rate
        self.breaker = breaker
        self.halted = halted
    }
}

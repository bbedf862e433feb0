/// The execution stage's settings with seed 002's defaults (`OrderExecutionEngine`
/// configuration). A plain value: the engine's configuration layer fills it in.
public struct ExecutionSettings: Hashable, Sendable {
    /// `max_orders_per_second` (default 10).
    public var maxOrdersPerSecond: Int
    /// `request_timeout_ms` in ns (default 5 s): after it, an order request's outcome is unknown.
    public var requestTimeoutNs: Int64
    /// Retries (`max_retry_attempts`, default 3) and backoff.
    public var retry: RetryPolicy
    /// `circuit_breaker_threshold` (default 5).
    public var breakerFailureThreshold: Int
    /// `circuit_breaker_timeout_ms` in ns (default 30 s).
    public var breakerOpenTimeoutNs: Int64
    /// The venue's rate limits and the share of them the engine may use.
    public var venueRateLimits: VenueRateLimits
    /// Limits for instruments without their own entry (±10 % band, no position limit).
    public var defaultLimits: InstrumentLimits
    /// Limits by symbol ("BTCUSDT"), overriding `defaultLimits` as a whole.
    public var limitsBySymbol: [String: InstrumentLimits]
    /// How often the server time offset is refreshed, ns (default 60 s).
    public var timeSyncIntervalNs: Int64

    /// Settings; every default is seed 002's (or Binance spot's, for the venue limits).
    public init(
        maxOrdersPerSecond: Int = 10, requestTimeoutNs: Int64 = 5_000_000_000, retry: RetryPolicy = RetryPolicy(),
        breakerFailureThreshold: Int = 5, breakerOpenTimeoutNs: Int64 = 30_000_000_000,
        venueRateLimits: VenueRateLimits = VenueRateLimits(), defaultLimits: InstrumentLimits = InstrumentLimits(),
        limitsBySymbol: [String: InstrumentLimits] = [:], timeSyncIntervalNs: Int64 = 60_000_000_000
    ) {
        self.maxOrdersPerSecond = maxOrdersPerSecond
        self.requestTimeoutNs = requestTimeoutNs
        self.retry = retry
        self.breakerFailureThreshold = breakerFailureThreshold
        self.breakerOpenTimeoutNs = breakerOpenTimeoutNs
        self.venueRateLimits = venueRateLimits
        self.defaultLimits = defaultLimits
        self.limitsBySymbol = limitsBySymbol
        self.timeSyncIntervalNs = timeSyncIntervalNs
    }

    /// Seed 002's defaults.
    public static let defaults = ExecutionSettings()

    /// The limits of `symbol`: its own entry, else `defaultLimits`.
    public func limits(for symbol: String) -> InstrumentLimits {
        limitsBySymbol[symbol.uppercased()] ?? defaultLimits
    }

    /// A rate limiter configured from these settings.
    public func makeRateLimiter() -> OrderRateLimiter {
        OrderRateLimiter(maxOrdersPerSecond: maxOrdersPerSecond, venueLimits: venueRateLimits)
    }

    /// A closed circuit breaker configured from these settings.
    public func makeCircuitBreaker() -> CircuitBreaker {
        CircuitBreaker(failureThreshold: breakerFailureThreshold, openTimeoutNs: breakerOpenTimeoutNs)
    }

    /// A server time estimator refreshing at `timeSyncIntervalNs`.
    public func makeServerTimeOffset() -> ServerTimeOffset {
        ServerTimeOffset(refreshIntervalNs: timeSyncIntervalNs)
    }
}

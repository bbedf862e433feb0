/// A venue's order and request-weight limits and how close to them the engine may go.
///
/// Binance spot's defaults (exchangeInfo `rateLimits`): ORDERS 100 per 10 s and 200 000 per
/// day, REQUEST_WEIGHT 6 000 per minute. The venue counts in fixed windows and reports its counts
/// in every answer (`X-MBX-ORDER-COUNT-10S`, `X-MBX-ORDER-COUNT-1D`, `X-MBX-USED-WEIGHT-1M`);
/// the engine refuses new orders above `ceilingPercent` of each limit, so it never earns a 429,
/// and leaves the rest for cancels and queries.
public struct VenueRateLimits: Hashable, Sendable {
    /// Orders per 10 seconds.
    public var ordersPer10s: Int
    /// Orders per day.
    public var ordersPerDay: Int
    /// Request weight per minute.
    public var weightPerMinute: Int
    /// The weight one new order costs (Binance spot: 1).
    public var orderWeight: Int
    /// The share of each limit the engine may use, in percent (1…100).
    public var ceilingPercent: Int

    /// Limits; the defaults are Binance spot's with an 80 % ceiling.
    public init(
        ordersPer10s: Int = 100, ordersPerDay: Int = 200_000, weightPerMinute: Int = 6_000, orderWeight: Int = 1,
        ceilingPercent: Int = 80
    ) {
        self.ordersPer10s = ordersPer10s
        self.ordersPerDay = ordersPerDay
        self.weightPerMinute = weightPerMinute
        self.orderWeight = orderWeight
        self.ceilingPercent = min(100, max(1, ceilingPercent))
    }

    /// The highest usage the engine allows itself under `limit`: ⌊limit × ceiling / 100⌋.
    public func ceiling(of limit: Int) -> Int { limit * ceilingPercent / 100 }
}

/// A count the venue keeps in fixed windows (10 s, 1 min, 1 day), as the engine last knows it:
/// the venue's reported figure plus what the engine sent since, forgotten when the window turns.
struct VenueWindowCounter: Hashable, Sendable {
    /// The window length in ns.
    let windowNs: Int64
    /// The count in window `windowIndex`.
    private(set) var used = 0
    /// Which window `used` belongs to (`ns / windowNs`).
    private(set) var windowIndex: Int64 = .min

    /// A counter over windows of `windowNs`.
    init(windowNs: Int64) { self.windowNs = windowNs }

    /// The count at `now`: 0 once the window has turned.
    func used(now: Int64) -> Int { now / windowNs == windowIndex ? used : 0 }

    /// Sets the count to what the venue reported at `now`.
    mutating func set(_ count: Int, now: Int64) {
        windowIndex = now / windowNs
        used = max(0, count)
    }

    /// Adds `n` at `now` (an order or request the venue has not reported yet).
    mutating func add(_ n: Int, now: Int64) {
        set(used(now: now) + n, now: now)
    }
}

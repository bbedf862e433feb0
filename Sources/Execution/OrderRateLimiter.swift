/// Keeps new orders under the engine's own rate (`max_orders_per_second`, seed 002) and under
/// the venue's ORDERS and REQUEST_WEIGHT limits, with time passed in (ns).
///
/// The local limit is an exact sliding window: at most `maxOrdersPerSecond` orders in any
/// 1-second span (a ring of the last N send times). The venue's counts are kept as the venue
/// reports them, plus what the engine sent since, in the venue's fixed windows; pass
/// server-aligned times (`ServerTimeOffset`) for the windows to turn when the venue's do. After
/// a 429/418, `backOff(untilNs:)` refuses everything until the venue's Retry-After has passed.
public struct OrderRateLimiter: Hashable, Sendable {
    /// What the limiter says about one more order.
    public enum Decision: Hashable, Sendable, CustomStringConvertible {
        /// Send it.
        case allowed
        /// The local per-second limit is reached; a slot frees at `retryAtNs`.
        case localLimit(retryAtNs: Int64)
        /// The venue's 10-second ORDERS count is at the ceiling.
        case venueOrders10s(used: Int, ceiling: Int)
        /// The venue's daily ORDERS count is at the ceiling.
        case venueOrdersDay(used: Int, ceiling: Int)
        /// The venue's REQUEST_WEIGHT per minute is at the ceiling.
        case venueWeight(used: Int, ceiling: Int)
        /// Backing off after a 429/418 until `untilNs`.
        case backingOff(untilNs: Int64)

        /// Whether the order may be sent.
        public var isAllowed: Bool { self == .allowed }

        /// A one-line reason, for rejections.
        public var description: String {
            switch self {
            case .allowed: "allowed"
            case .localLimit(let at): "local order rate limit reached; next slot at \(at) ns"
            case .venueOrders10s(let used, let ceiling): "venue ORDERS 10s count \(used) at ceiling \(ceiling)"
            case .venueOrdersDay(let used, let ceiling): "venue ORDERS 1d count \(used) at ceiling \(ceiling)"
            case .venueWeight(let used, let ceiling): "venue REQUEST_WEIGHT 1m \(used) at ceiling \(ceiling)"
            case .backingOff(let until): "backing off after a venue rate-limit answer until \(until) ns"
            }
        }
    }

    /// Orders allowed in any 1-second span.
    public let maxOrdersPerSecond: Int
    /// The venue's limits and ceiling.
    public let venueLimits: VenueRateLimits
    /// Send times of the last `maxOrdersPerSecond` orders, a ring.
    private var sendTimes: [Int64]
    /// Where the oldest send time is in `sendTimes`.
    private var oldest = 0
    /// How many slots of `sendTimes` are used.
    private var used = 0
    private var orders10s = VenueWindowCounter(windowNs: 10_000_000_000)
    private var ordersDay = VenueWindowCounter(windowNs: 86_400_000_000_000)
    private var weightMinute = VenueWindowCounter(windowNs: 60_000_000_000)
    private var backOffUntilNs: Int64 = .min

    /// A limiter with nothing sent yet. `maxOrdersPerSecond` is at least 1.
    public init(maxOrdersPerSecond: Int = 10, venueLimits: VenueRateLimits = VenueRateLimits()) {
        self.maxOrdersPerSecond = max(1, maxOrdersPerSecond)
        self.venueLimits = venueLimits
        self.sendTimes = Array(repeating: 0, count: self.maxOrdersPerSecond)
    }

    /// What the limiter would say at `now`, without counting an order.
    public func check(now: Int64) -> Decision {
        if now < backOffUntilNs { return .backingOff(untilNs: backOffUntilNs) }
        if used == maxOrdersPerSecond {
            let retryAt = sendTimes[oldest] + 1_000_000_000
            if now < retryAt { return .localLimit(retryAtNs: retryAt) }
        }
        let limits = venueLimits
        let tenSeconds = orders10s.used(now: now)
        let tenCeiling = limits.ceiling(of: limits.ordersPer10s)
        if tenSeconds + 1 > tenCeiling { return .venueOrders10s(used: tenSeconds, ceiling: tenCeiling) }
        let day = ordersDay.used(now: now)
        let dayCeiling = limits.ceiling(of: limits.ordersPerDay)
        if day + 1 > dayCeiling { return .venueOrdersDay(used: day, ceiling: dayCeiling) }
        let weight = weightMinute.used(now: now)
        let weightCeiling = limits.ceiling(of: limits.weightPerMinute)
        if weight + limits.orderWeight > weightCeiling { return .venueWeight(used: weight, ceiling: weightCeiling) }
        return .allowed
    }

    /// Checks at `now` and, when allowed, counts the order.
    public mutating func acquire(now: Int64) -> Decision {
        let decision = check(now: now)
        if decision == .allowed { recordOrder(now: now) }
        return decision
    }

    /// Counts an order sent at `now` (locally and in the venue estimates) without checking.
    public mutating func recordOrder(now: Int64) {
        if used == maxOrdersPerSecond {
            sendTimes[oldest] = now
            oldest = (oldest + 1) % maxOrdersPerSecond
        } else {
            sendTimes[(oldest + used) % maxOrdersPerSecond] = now
            used += 1
        }
        orders10s.add(1, now: now)
        ordersDay.add(1, now: now)
        weightMinute.add(venueLimits.orderWeight, now: now)
    }

    /// Adds the weight of a request other than a new order (a query, a snapshot) sent at `now`.
    public mutating func recordWeight(_ weight: Int, now: Int64) {
        weightMinute.add(weight, now: now)
    }

    /// Replaces the estimates with the counts the venue reported at `now` (each nil when the
    /// answer did not carry that header).
    public mutating func updateVenueUsage(orders10s: Int?, ordersDay: Int?, weightMinute: Int?, now: Int64) {
        if let count = orders10s { self.orders10s.set(count, now: now) }
        if let count = ordersDay { self.ordersDay.set(count, now: now) }
        if let count = weightMinute { self.weightMinute.set(count, now: now) }
    }

    /// Refuses every order until `untilNs` (a 429/418 with Retry-After); never shortens a
    /// back-off already in force.
    public mutating func backOff(untilNs: Int64) {
        backOffUntilNs = max(backOffUntilNs, untilNs)
    }

    /// The venue usage as the limiter estimates it at `now`: ORDERS 10 s, ORDERS 1 d, weight 1 m.
    public func venueUsage(now: Int64) -> (orders10s: Int, ordersDay: Int, weightMinute: Int) {
        (orders10s.used(now: now), ordersDay.used(now: now), weightMinute.used(now: now))
    }
}

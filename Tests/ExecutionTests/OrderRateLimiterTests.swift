import Execution
import Testing

/// The local sliding window and the venue's ORDERS / REQUEST_WEIGHT ceilings, on an injected clock.
@Suite("Order rate limiter")
struct OrderRateLimiterTests {
    static let second: Int64 = 1_000_000_000

    @Test("at most N orders in any one-second span, exactly")
    func slidingWindow() {
        var limiter = OrderRateLimiter(maxOrdersPerSecond: 3)
        let t0: Int64 = 5 * Self.second
        #expect(limiter.acquire(now: t0) == .allowed)
        #expect(limiter.acquire(now: t0 + 100) == .allowed)
        #expect(limiter.acquire(now: t0 + 200) == .allowed)
        #expect(limiter.acquire(now: t0 + 300) == .localLimit(retryAtNs: t0 + Self.second))
        #expect(limiter.check(now: t0 + Self.second - 1) == .localLimit(retryAtNs: t0 + Self.second))
        #expect(limiter.acquire(now: t0 + Self.second) == .allowed)  // the first slot frees
        #expect(limiter.acquire(now: t0 + Self.second + 1) == .localLimit(retryAtNs: t0 + 100 + Self.second))
        #expect(limiter.acquire(now: t0 + Self.second + 200) == .allowed)
        // A refused order is not counted.
        #expect(limiter.venueUsage(now: t0 + Self.second + 200).orders10s == 5)
    }

    @Test("the venue's 10-second ORDERS count is kept under the ceiling and resets with its window")
    func venueOrders() {
        let limits = VenueRateLimits(ordersPer10s: 10, ceilingPercent: 80)  // ceiling 8
        var limiter = OrderRateLimiter(maxOrdersPerSecond: 100, venueLimits: limits)
        let t0: Int64 = 20 * Self.second
        limiter.updateVenueUsage(orders10s: 7, ordersDay: nil, weightMinute: nil, now: t0)
        #expect(limiter.acquire(now: t0 + 1) == .allowed)  // 8th
        #expect(limiter.acquire(now: t0 + 2) == .venueOrders10s(used: 8, ceiling: 8))
        #expect(limiter.acquire(now: t0 + 10 * Self.second) == .allowed)  // next window
        // The venue's own figure replaces the estimate.
        limiter.updateVenueUsage(orders10s: 8, ordersDay: nil, weightMinute: nil, now: t0 + 10 * Self.second + 1)
        #expect(!limiter.check(now: t0 + 10 * Self.second + 2).isAllowed)
    }

    @Test("daily orders and request weight ceilings")
    func dayAndWeight() {
        let limits = VenueRateLimits(ordersPerDay: 100, weightPerMinute: 1000, orderWeight: 1, ceilingPercent: 90)
        var limiter = OrderRateLimiter(maxOrdersPerSecond: 100, venueLimits: limits)
        limiter.updateVenueUsage(orders10s: 0, ordersDay: 90, weightMinute: 0, now: 0)
        #expect(limiter.check(now: 1) == .venueOrdersDay(used: 90, ceiling: 90))
        limiter.updateVenueUsage(orders10s: 0, ordersDay: 0, weightMinute: 899, now: 2)
        #expect(limiter.acquire(now: 3) == .allowed)
        #expect(limiter.check(now: 4) == .venueWeight(used: 900, ceiling: 900))
        limiter.updateVenueUsage(orders10s: nil, ordersDay: nil, weightMinute: 0, now: 5)
        limiter.recordWeight(900, now: 6)
        #expect(!limiter.check(now: 7).isAllowed)
        #expect(limiter.check(now: 60 * Self.second).isAllowed)
    }

    @Test("after a 429 everything waits for Retry-After, which is never shortened")
    func backOff() {
        var limiter = OrderRateLimiter()
        limiter.backOff(untilNs: 10 * Self.second)
        limiter.backOff(untilNs: 5 * Self.second)
        #expect(limiter.acquire(now: 9 * Self.second) == .backingOff(untilNs: 10 * Self.second))
        #expect(limiter.acquire(now: 10 * Self.second) == .allowed)
    }

    @Test("settings build a limiter with seed 002's 10 orders per second")
    func fromSettings() {
        var limiter = ExecutionSettings.defaults.makeRateLimiter()
        for i in 0..<10 { #expect(limiter.acquire(now: Int64(i)) == .allowed) }
        #expect(!limiter.acquire(now: 10).isAllowed)
    }
}

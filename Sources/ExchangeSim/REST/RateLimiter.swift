import EngineModel
import Matching

/// Binance's REST rate limits: request weight per IP per minute, with a 429 when a request
/// takes the minute over the limit and a 418 ban when the client keeps sending after that;
/// and new orders per account per 10 seconds and per day.
///
/// Time is passed in (milliseconds), so tests drive it.
actor RateLimiter {
    /// The answer to charging a request.
    struct Charge: Sendable {
        /// The IP's weight in the current minute, this request included.
        var usedWeight: Int
        /// Set when the request must be refused (429 or 418).
        var refusal: RESTError?
        /// Set when a fault-injected storm refused it: `rest-429` or `rest-418`.
        var fault: String? = nil
    }

    /// One IP's minute.
    private struct WeightWindow {
        var minute: Int64 = -1
        var used = 0
        var warned = false
        var bannedUntil: Int64 = 0
    }

    /// One account's order counters.
    private struct OrderWindows {
        var tenSeconds: Int64 = -1
        var inTenSeconds = 0
        var day: Int64 = -1
        var inDay = 0
    }

    /// REQUEST_WEIGHT per minute.
    let weightLimit: Int
    /// ORDERS per 10 seconds.
    let ordersPer10s: Int
    /// ORDERS per day.
    let ordersPerDay: Int
    /// How long a 418 ban lasts, in milliseconds.
    let banMillis: Int64

    private var weights: [String: WeightWindow] = [:]
    private var orders: [AccountID: OrderWindows] = [:]
    /// A fault-injected 429 storm: requests still to refuse and their Retry-After seconds.
    private var storm: (remaining: Int, retryAfter: Int)?
    /// Per IP, until when (ms) a request after the storm's last 429 counts as persisting (418).
    private var stormRetryUntil: [String: Int64] = [:]

    /// Limits as configured.
    init(weightLimit: Int, ordersPer10s: Int, ordersPerDay: Int, banMillis: Int64) {
        self.weightLimit = weightLimit
        self.ordersPer10s = ordersPer10s
        self.ordersPerDay = ordersPerDay
        self.banMillis = banMillis
    }

    /// Adds `weight` to the IP's minute and says whether the request may proceed.
    func charge(ip: String, weight: Int, now: Int64) -> Charge {
        var window = weights[ip] ?? WeightWindow()
        defer { weights[ip] = window }
        let minute = now / 60_000
        if window.minute != minute {
            window.minute = minute
            window.used = 0
            window.warned = false
        }
        if window.bannedUntil > now {
            return Charge(usedWeight: window.used, refusal: .banned(until: window.bannedUntil,
                retryAfter: seconds(window.bannedUntil - now)))
        }
        if let refused = stormCharge(ip: ip, window: &window, now: now) { return refused }
        window.used += weight
        guard window.used > weightLimit else { return Charge(usedWeight: window.used, refusal: nil) }
        if window.warned {
            window.bannedUntil = now + banMillis
            return Charge(usedWeight: window.used, refusal: .banned(until: window.bannedUntil,
                retryAfter: seconds(banMillis)))
        }
        window.warned = true
        let retry = seconds((minute + 1) * 60_000 - now)
        return Charge(usedWeight: window.used, refusal: .tooMuchWeight(limit: weightLimit, retryAfter: retry))
    }

    /// Starts a 429 storm (the `rest-429` fault): the next `count` requests, from any IP, are
    /// answered 429 with `Retry-After: retryAfter`; a request that comes within Retry-After of
    /// the last of them is banned with 418, as when a client ignores a real 429.
    func beginStorm(count: Int, retryAfter: Int) {
        storm = (count, retryAfter)
    }

    /// The storm's answer to a request, if it refuses it.
    private func stormCharge(ip: String, window: inout WeightWindow, now: Int64) -> Charge? {
        if let current = storm, current.remaining > 0 {
            storm = current.remaining > 1 ? (current.remaining - 1, current.retryAfter) : nil
            stormRetryUntil[ip] = now + Int64(current.retryAfter) * 1000
            return Charge(usedWeight: window.used,
                refusal: .tooMuchWeight(limit: weightLimit, retryAfter: current.retryAfter), fault: "rest-429")
        }
        guard let until = stormRetryUntil.removeValue(forKey: ip), now < until else { return nil }
        window.bannedUntil = now + banMillis
        return Charge(usedWeight: window.used,
            refusal: .banned(until: window.bannedUntil, retryAfter: seconds(banMillis)), fault: "rest-418")
    }

    /// Counts a new order for `account`; returns the 10-second and daily counts, or -1015.
    func countOrder(account: AccountID, now: Int64) throws(RESTError) -> (tenSeconds: Int, day: Int) {
        var window = orders[account] ?? OrderWindows()
        defer { orders[account] = window }
        let ten = now / 10_000
        let day = now / 86_400_000
        if window.tenSeconds != ten { (window.tenSeconds, window.inTenSeconds) = (ten, 0) }
        if window.day != day { (window.day, window.inDay) = (day, 0) }
        guard window.inTenSeconds < ordersPer10s else {
            throw .tooManyOrders(limit: ordersPer10s, interval: "10 SECOND",
                retryAfter: seconds((ten + 1) * 10_000 - now))
        }
        guard window.inDay < ordersPerDay else {
            throw .tooManyOrders(limit: ordersPerDay, interval: "1 DAY",
                retryAfter: seconds((day + 1) * 86_400_000 - now))
        }
        window.inTenSeconds += 1
        window.inDay += 1
        return (window.inTenSeconds, window.inDay)
    }

    /// The account's current order counts, without counting a new one.
    func orderCounts(account: AccountID, now: Int64) -> (tenSeconds: Int, day: Int) {
        let window = orders[account] ?? OrderWindows()
        let ten = window.tenSeconds == now / 10_000 ? window.inTenSeconds : 0
        let day = window.day == now / 86_400_000 ? window.inDay : 0
        return (ten, day)
    }

    /// Whole seconds, rounded up, at least 1.
    private func seconds(_ millis: Int64) -> Int { max(1, Int((millis + 999) / 1000)) }
}

import Execution
import Testing

/// Backoff delays and the classification of venue failures.
@Suite("Retry policy")
struct RetryPolicyTests {
    /// A deterministic generator (SplitMix64).
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test("delays double from the base, are capped, and stop after max retries")
    func delays() {
        let policy = RetryPolicy(maxRetries: 3, baseDelayNs: 100, multiplier: 2, maxDelayNs: 300)
        #expect(policy.baseDelayNs(forRetry: 0) == nil)
        #expect(policy.baseDelayNs(forRetry: 1) == 100)
        #expect(policy.baseDelayNs(forRetry: 2) == 200)
        #expect(policy.baseDelayNs(forRetry: 3) == 300)  // 400 capped
        #expect(policy.baseDelayNs(forRetry: 4) == nil)
        let huge = RetryPolicy(maxRetries: 100, baseDelayNs: 1 << 40, multiplier: 1 << 20, maxDelayNs: .max)
        #expect(huge.baseDelayNs(forRetry: 100) == .max)  // no overflow trap
        #expect(ExecutionSettings.defaults.retry.maxRetries == 3)
    }

    @Test("jitter stays in its range and is reproducible from the injected source")
    func jitter() {
        let full = RetryPolicy(maxRetries: 3, baseDelayNs: 1_000, jitter: .full)
        let equal = RetryPolicy(maxRetries: 3, baseDelayNs: 1_000, jitter: .equal)
        var a = SplitMix(state: 42)
        var b = SplitMix(state: 42)
        for retry in 1...3 {
            let cap = full.baseDelayNs(forRetry: retry)!
            let x = full.delayNs(forRetry: retry, using: &a)!
            #expect(x >= 0 && x <= cap)
            #expect(x == full.delayNs(forRetry: retry, using: &b))
            let y = equal.delayNs(forRetry: retry, using: &a)!
            #expect(y >= cap / 2 && y <= cap)
            _ = equal.delayNs(forRetry: retry, using: &b)
        }
        #expect(full.delayNs(forRetry: 4, using: &a) == nil)
    }

    @Test("Binance codes: what may be retried, what must be queried, what halts")
    func binanceCodes() {
        let place: [(Int, VenueFailureClass)] = [
            (-1000, .queryOutcome), (-1001, .retry), (-1003, .retryAfterBackoff), (-1006, .queryOutcome),
            (-1007, .queryOutcome), (-1008, .retryAfterBackoff), (-1015, .retryAfterBackoff), (-1016, .retry),
            (-1021, .retryAfterTimeSync), (-1002, .halt), (-1022, .halt), (-2014, .halt), (-2015, .halt),
            (-1013, .fail), (-1121, .fail), (-1102, .fail), (-2010, .fail), (-2011, .fail), (-2013, .fail),
            (-1014, .fail), (-1020, .fail), (-1004, .retryAfterBackoff), (-1034, .retryAfterBackoff),
            (-1099, .queryOutcome), (-9999, .fail),
        ]
        for (code, expected) in place {
            #expect(VenueFailureClass.classify(binanceCode: code, request: .placeOrder) == expected, "\(code)")
        }
        #expect(VenueFailureClass.isRetryable(code: -1001))
        #expect(VenueFailureClass.isRetryable(code: -1003))
        #expect(!VenueFailureClass.isRetryable(code: -1007))
        #expect(!VenueFailureClass.isRetryable(code: -2010))
        #expect(!VenueFailureClass.isRetryable(code: -1013))
        #expect(!VenueFailureClass.isRetryable(code: -2015))
        // A read whose answer is lost is simply asked again.
        #expect(VenueFailureClass.isRetryable(code: -1007, request: .query))
        #expect(VenueFailureClass.classify(binanceCode: -1007, request: .cancelOrder) == .queryOutcome)
    }

    @Test("transport failures: unknown outcomes of orders are queried, never resent")
    func transport() {
        typealias C = VenueFailureClass
        #expect(C.classify(.connectFailed, request: .placeOrder) == .retry)
        #expect(C.classify(.timedOut, request: .placeOrder) == .queryOutcome)
        #expect(C.classify(.disconnectedAfterSend, request: .cancelOrder) == .queryOutcome)
        #expect(C.classify(.timedOut, request: .query) == .retry)
        #expect(C.classify(.http(status: 503, code: nil), request: .placeOrder) == .queryOutcome)
        #expect(C.classify(.http(status: 502, code: nil), request: .query) == .retry)
        #expect(C.classify(.http(status: 429, code: nil), request: .placeOrder) == .retryAfterBackoff)
        #expect(C.classify(.http(status: 418, code: nil), request: .query) == .retryAfterBackoff)
        #expect(C.classify(.http(status: 401, code: nil), request: .query) == .halt)
        #expect(C.classify(.http(status: 400, code: -1013), request: .placeOrder) == .fail)
        #expect(C.classify(.http(status: 400, code: nil), request: .placeOrder) == .fail)
        #expect(C.classify(.venue(code: -1003), request: .placeOrder) == .retryAfterBackoff)
        #expect(C.queryOutcome.countsAsBreakerFailure && !C.fail.countsAsBreakerFailure)
        #expect(!C.queryOutcome.isRetryable && !C.halt.isRetryable && C.retryAfterTimeSync.isRetryable)
    }
}

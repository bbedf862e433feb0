/// Exponential backoff for requests that failed in a way worth retrying (seed 002 NFR-OE-002:
/// "retry with exponential backoff, max 3 attempts"). I/O free: it computes delays, the owner
/// waits; jitter comes from an injected random source, so tests are deterministic.
///
/// Retry n (1-based) waits `min(maxDelay, baseDelay × multiplier^(n−1))`, jittered. After
/// `maxRetries` retries (`max_retry_attempts`, default 3: at most 4 sends in all) the request
/// has failed. Which failures may be retried at all is `VenueFailureClass`'s business.
public struct RetryPolicy: Hashable, Sendable {
    /// How a delay is randomised, so that many clients do not retry in step.
    public enum Jitter: Hashable, Sendable {
        /// The computed delay, exactly.
        case none
        /// Uniform in 0…delay ("full jitter").
        case full
        /// delay/2 plus uniform in 0…delay/2 ("equal jitter").
        case equal
    }

    /// Retries after the first attempt (`max_retry_attempts`).
    public var maxRetries: Int
    /// The delay before the first retry, in ns.
    public var baseDelayNs: Int64
    /// The factor between consecutive delays (≥ 1).
    public var multiplier: Int64
    /// The longest delay, in ns.
    public var maxDelayNs: Int64
    /// How delays are randomised.
    public var jitter: Jitter

    /// A policy; the defaults are 3 retries, 100 ms doubling up to 5 s, no jitter.
    public init(
        maxRetries: Int = 3, baseDelayNs: Int64 = 100_000_000, multiplier: Int64 = 2,
        maxDelayNs: Int64 = 5_000_000_000, jitter: Jitter = .none
    ) {
        self.maxRetries = max(0, maxRetries)
        self.baseDelayNs = max(0, baseDelayNs)
        self.multiplier = max(1, multiplier)
        self.maxDelayNs = max(0, maxDelayNs)
        self.jitter = jitter
    }

    /// The un-jittered delay before retry `retry` (1…`maxRetries`), or nil when no retry is
    /// left (or `retry` < 1).
    public func baseDelayNs(forRetry retry: Int) -> Int64? {
        guard retry >= 1, retry <= maxRetries else { return nil }
        var delay = min(baseDelayNs, maxDelayNs)
        for _ in 1..<retry {
            let (next, overflow) = delay.multipliedReportingOverflow(by: multiplier)
            if overflow || next >= maxDelayNs { return maxDelayNs }
            delay = next
        }
        return delay
    }

    /// The delay before retry `retry`, jittered with `random`, or nil when no retry is left.
    public func delayNs<R: RandomNumberGenerator>(forRetry retry: Int, using random: inout R) -> Int64? {
        guard let delay = baseDelayNs(forRetry: retry) else { return nil }
        switch jitter {
        case .none:
            return delay
        case .full:
            return Int64.random(in: 0...delay, using: &random)
        case .equal:
            let half = delay / 2
            return half + Int64.random(in: 0...(delay - half), using: &random)
        }
    }

    /// The delay before retry `retry` with the system's random source, or nil when none is left.
    public func delayNs(forRetry retry: Int) -> Int64? {
        var random = SystemRandomNumberGenerator()
        return delayNs(forRetry: retry, using: &random)
    }
}

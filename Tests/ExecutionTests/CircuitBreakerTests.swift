import Execution
import Testing

/// closed → open → half-open → closed/open, on an injected clock.
@Suite("Circuit breaker")
struct CircuitBreakerTests {
    static let second: Int64 = 1_000_000_000

    @Test("opens after five consecutive failures; a success in between resets the count")
    func opens() {
        var b = CircuitBreaker()
        for _ in 0..<4 { b.recordFailure(now: 0) }
        b.recordSuccess(now: 0)
        #expect(b.consecutiveFailures == 0)
        for i in 0..<4 { b.recordFailure(now: Int64(i)) }
        #expect(b.state(now: 4) == .closed && b.acquire(now: 4) == .allowed)
        b.recordFailure(now: 5)
        #expect(b.state(now: 5) == .open)
        #expect(b.acquire(now: 6) == .refused(retryAtNs: 5 + 30 * Self.second))
    }

    @Test("half-open lets exactly one probe through; success closes")
    func probeSuccess() {
        var b = CircuitBreaker(failureThreshold: 1, openTimeoutNs: 30 * Self.second)
        b.recordFailure(now: 0)
        #expect(b.acquire(now: 30 * Self.second - 1) == .refused(retryAtNs: 30 * Self.second))
        #expect(b.state(now: 30 * Self.second) == .halfOpen)
        #expect(b.acquire(now: 30 * Self.second) == .probe)
        #expect(b.acquire(now: 30 * Self.second + 1) == .refused(retryAtNs: nil))
        b.recordSuccess(now: 31 * Self.second)
        #expect(b.state(now: 31 * Self.second) == .closed && b.acquire(now: 31 * Self.second) == .allowed)
    }

    @Test("a failed probe reopens for another full timeout")
    func probeFailure() {
        var b = CircuitBreaker(failureThreshold: 2, openTimeoutNs: 10)
        b.recordFailure(now: 0)
        b.recordFailure(now: 1)
        #expect(b.acquire(now: 11) == .probe)
        b.recordFailure(now: 12)
        #expect(b.state(now: 12) == .open)
        #expect(b.acquire(now: 21) == .refused(retryAtNs: 22))
        #expect(b.acquire(now: 22) == .probe)
    }

    @Test("late answers while open change nothing; trip and reset")
    func lateAnswersTripReset() {
        var b = CircuitBreaker(failureThreshold: 1, openTimeoutNs: 10)
        b.recordFailure(now: 0)
        b.recordFailure(now: 9)  // does not extend
        b.recordSuccess(now: 9)  // does not close
        #expect(b.state(now: 9) == .open && b.check(now: 10) == .probe)
        var c = CircuitBreaker()
        c.trip(now: 100)
        #expect(c.state(now: 100) == .open)
        c.reset()
        #expect(c.state(now: 100) == .closed)
    }

    @Test("state names and gauge values for metrics")
    func names() {
        #expect(CircuitBreaker.State.allCases.map(\.name) == ["closed", "open", "half_open"])
        #expect(CircuitBreaker.State.allCases.map(\.gaugeValue) == [0, 1, 2])
        let b = ExecutionSettings.defaults.makeCircuitBreaker()
        #expect(b.failureThreshold == 5 && b.openTimeoutNs == 30 * Self.second)
    }
}

/// Stops sending to a venue that keeps failing (seed 002 NFR-OE-002), I/O free with time passed
/// in (ns).
///
/// closed → open after `failureThreshold` consecutive failures (default 5); open refuses
/// everything for `openTimeout` (default 30 s); then half-open lets exactly one probe through:
/// its success closes the breaker, its failure opens it again for another `openTimeout`.
/// `trip(now:)` opens it at once (an authentication failure). What counts as a failure is the
/// owner's call: network errors, 5xx, timeouts — not a venue's rejection of a bad order.
public struct CircuitBreaker: Hashable, Sendable {
    /// The breaker's state, for metrics (`circuit_breaker_state{service}`).
    public enum State: Hashable, Sendable, CaseIterable, CustomStringConvertible {
        /// Requests flow.
        case closed
        /// Requests are refused.
        case open
        /// One probe may go; the rest are refused until it is answered.
        case halfOpen

        /// "closed", "open", "half_open".
        public var name: String {
            switch self {
            case .closed: "closed"
            case .open: "open"
            case .halfOpen: "half_open"
            }
        }

        /// The gauge value of seed 002: 0 closed, 1 open, 2 half-open.
        public var gaugeValue: Int {
            switch self {
            case .closed: 0
            case .open: 1
            case .halfOpen: 2
            }
        }

        /// The name.
        public var description: String { name }
    }

    /// What the breaker says about one request.
    public enum Decision: Hashable, Sendable, CustomStringConvertible {
        /// Closed: send.
        case allowed
        /// Half-open: send this one as the probe and report its outcome.
        case probe
        /// Open, or half-open with the probe in flight: do not send; `retryAtNs` is when the
        /// breaker will next let a probe through (nil while a probe is in flight).
        case refused(retryAtNs: Int64?)

        /// Whether the request may be sent.
        public var isAllowed: Bool {
            switch self {
            case .allowed, .probe: true
            case .refused: false
            }
        }

        /// A one-line reason, for rejections.
        public var description: String {
            switch self {
            case .allowed: "circuit breaker closed"
            case .probe: "circuit breaker half-open: probe allowed"
            case .refused(let retryAt?): "circuit breaker open until \(retryAt) ns"
            case .refused(nil): "circuit breaker half-open: probe in flight"
            }
        }
    }

    /// Where the breaker is, with what it needs to remember.
    private enum Phase: Hashable, Sendable {
        case closed(failures: Int)
        case open(sinceNs: Int64)
        case halfOpen(probeInFlight: Bool)
    }

    /// Consecutive failures that open the breaker.
    public let failureThreshold: Int
    /// How long the breaker stays open before a probe, in ns.
    public let openTimeoutNs: Int64
    private var phase: Phase = .closed(failures: 0)

    /// A closed breaker. `failureThreshold` is at least 1.
    public init(failureThreshold: Int = 5, openTimeoutNs: Int64 = 30_000_000_000) {
        self.failureThreshold = max(1, failureThreshold)
        self.openTimeoutNs = max(0, openTimeoutNs)
    }

    /// Consecutive failures counted while closed.
    public var consecutiveFailures: Int {
        if case .closed(let failures) = phase { return failures }
        return 0
    }

    /// The state at `now` (open becomes half-open once the timeout has passed).
    public func state(now: Int64) -> State {
        switch phase {
        case .closed: .closed
        case .open(let since): now - since >= openTimeoutNs ? .halfOpen : .open
        case .halfOpen: .halfOpen
        }
    }

    /// What the breaker would say at `now`, without taking the probe.
    public func check(now: Int64) -> Decision {
        switch phase {
        case .closed:
            return .allowed
        case .open(let since):
            return now - since >= openTimeoutNs ? .probe : .refused(retryAtNs: since + openTimeoutNs)
        case .halfOpen(let inFlight):
            return inFlight ? .refused(retryAtNs: nil) : .probe
        }
    }

    /// Asks to send one request at `now`; a `.probe` answer takes the single half-open probe.
    public mutating func acquire(now: Int64) -> Decision {
        let decision = check(now: now)
        if case .probe = decision { phase = .halfOpen(probeInFlight: true) }
        return decision
    }

    /// A request succeeded: closed stays closed with the failure count reset; half-open closes.
    /// A late success while open (a request sent before it opened) changes nothing.
    public mutating func recordSuccess(now: Int64) {
        switch phase {
        case .closed, .halfOpen: phase = .closed(failures: 0)
        case .open: break
        }
    }

    /// A request failed: counts toward the threshold while closed; reopens when half-open. A
    /// late failure while open does not extend the timeout.
    public mutating func recordFailure(now: Int64) {
        switch phase {
        case .closed(let failures):
            phase = failures + 1 >= failureThreshold ? .open(sinceNs: now) : .closed(failures: failures + 1)
        case .halfOpen:
            phase = .open(sinceNs: now)
        case .open:
            break
        }
    }

    /// Opens the breaker at `now` whatever its state (authentication failure, operator).
    public mutating func trip(now: Int64) {
        phase = .open(sinceNs: now)
    }

    /// Closes the breaker and forgets the failures (operator reset).
    public mutating func reset() {
        phase = .closed(failures: 0)
    }
}

/// Estimates the venue's clock relative to the engine's (server − local), for request
/// timestamps inside the venue's recvWindow and for aligning rate-limit windows.
///
/// Each sample is one server-time request: the local time it was sent, the server's time in
/// its answer (ms), the local time the answer arrived. The server read its clock somewhere in
/// between; the midpoint is the best guess, off by at most half the round trip. Of the samples
/// in the last `window`, the one with the smallest round trip is trusted (NTP's
/// minimum-delay filter). `needsRefresh(now:)` says when to ask again.
public struct ServerTimeOffset: Hashable, Sendable {
    /// One server-time exchange.
    public struct Sample: Hashable, Sendable {
        /// Local time the request was sent, ns.
        public var sendNs: Int64
        /// The server's time in the answer, ms.
        public var serverMs: Int64
        /// Local time the answer arrived, ns.
        public var receiveNs: Int64

        /// A sample.
        public init(sendNs: Int64, serverMs: Int64, receiveNs: Int64) {
            self.sendNs = sendNs
            self.serverMs = serverMs
            self.receiveNs = receiveNs
        }

        /// The round trip, ns.
        public var roundTripNs: Int64 { receiveNs - sendNs }

        /// server − local at the midpoint, ns.
        public var offsetNs: Int64 {
            let midpoint = sendNs + (receiveNs - sendNs) / 2
            return serverMs &* 1_000_000 &- midpoint
        }
    }

    /// How long a sample stays eligible, ns.
    public let windowNs: Int64
    /// How often to take a new sample, ns.
    public let refreshIntervalNs: Int64
    /// Samples with a round trip above this are discarded (a stalled answer says little), ns.
    public let maxRoundTripNs: Int64
    /// The samples in the window, oldest first.
    public private(set) var samples: [Sample] = []

    /// An estimator; defaults: 10-minute window, refresh every 60 s, discard round trips > 5 s.
    public init(
        windowNs: Int64 = 600_000_000_000, refreshIntervalNs: Int64 = 60_000_000_000,
        maxRoundTripNs: Int64 = 5_000_000_000
    ) {
        self.windowNs = windowNs
        self.refreshIntervalNs = refreshIntervalNs
        self.maxRoundTripNs = maxRoundTripNs
    }

    /// Adds a sample and drops those older than the window; returns false (and keeps nothing)
    /// for a sample whose answer arrived before its request or whose round trip is too long.
    @discardableResult
    public mutating func add(_ sample: Sample) -> Bool {
        guard sample.roundTripNs >= 0, sample.roundTripNs <= maxRoundTripNs else { return false }
        samples.append(sample)
        prune(now: sample.receiveNs)
        return true
    }

    /// Adds a sample from its parts; see `add(_:)`.
    @discardableResult
    public mutating func add(sendNs: Int64, serverMs: Int64, receiveNs: Int64) -> Bool {
        add(Sample(sendNs: sendNs, serverMs: serverMs, receiveNs: receiveNs))
    }

    /// Drops samples received before `now − window`.
    public mutating func prune(now: Int64) {
        samples.removeAll { now - $0.receiveNs > windowNs }
    }

    /// The trusted sample: the smallest round trip in the window (the latest of equals).
    public var bestSample: Sample? {
        samples.enumerated().min { a, b in
            (a.element.roundTripNs, -a.offset) < (b.element.roundTripNs, -b.offset)
        }?.element
    }

    /// server − local, ns; nil before the first sample.
    public var offsetNs: Int64? { bestSample?.offsetNs }

    /// server − local, ms, rounded to nearest (halves away from zero); nil before the first sample.
    public var offsetMs: Int64? {
        guard let ns = offsetNs else { return nil }
        let (q, r) = ns.quotientAndRemainder(dividingBy: 1_000_000)
        if r >= 500_000 { return q + 1 }
        if r <= -500_000 { return q - 1 }
        return q
    }

    /// The uncertainty of the offset: half the best round trip, ns.
    public var uncertaintyNs: Int64? { bestSample.map { $0.roundTripNs / 2 } }

    /// The server's time, ms, at local time `localNs` (the local time when no sample yet).
    public func serverTimeMs(localNs: Int64) -> Int64 {
        (localNs + (offsetNs ?? 0)) / 1_000_000
    }

    /// Whether a new sample is due at `now`: none yet, or the latest is older than the refresh
    /// interval.
    public func needsRefresh(now: Int64) -> Bool {
        guard let latest = samples.last else { return true }
        return now - latest.receiveNs >= refreshIntervalNs
    }
}

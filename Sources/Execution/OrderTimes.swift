/// The hop times of an order, in nanoseconds of the engine's clock (`CLOCK_REALTIME`-based ns,
/// as the exec journal's `*_ns` fields). Nil until the hop has happened.
///
/// The differences are the latency budget of seed 002 NFR-OE-001: created → sent is the
/// engine's own time, sent → acked the venue round trip, acked → lastFill time in the book.
public struct OrderTimes: Hashable, Sendable {
    /// When the order record was created (the command was read).
    public var createdNs: Int64
    /// When pre-trade risk accepted it and handed it to the gateway (PENDING_SUBMIT).
    public var submittedNs: Int64?
    /// When the signed request was handed to the socket.
    public var sentNs: Int64?
    /// When the venue's acknowledgement was received.
    public var ackedNs: Int64?
    /// When the latest new fill was received.
    public var lastFillNs: Int64?

    /// Times for an order created at `createdNs`; every later hop is nil.
    public init(createdNs: Int64) {
        self.createdNs = createdNs
    }

    /// sent − created: the engine's own share, nil until sent.
    public var createdToSentNs: Int64? { sentNs.map { $0 - createdNs } }

    /// acked − sent: the venue round trip, nil until both are known.
    public var sentToAckedNs: Int64? {
        guard let sent = sentNs, let acked = ackedNs else { return nil }
        return acked - sent
    }
}

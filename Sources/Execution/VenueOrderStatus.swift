import EngineModel

/// An order's state as the venue reports it when queried.
///
/// The owner maps the venue's words: Binance NEW → `.submitted`, PENDING_CANCEL →
/// `.cancelPending`, EXPIRED_IN_MATCH → `.expired`; "order does not exist" (−2013) for an order
/// whose submit outcome was unknown → `.rejected` with the reason (it never reached the book).
public struct VenueOrderStatus: Hashable, Sendable {
    /// The venue's state; must be one of `OrderState.isVenueState`.
    public var state: OrderState
    /// The venue's cumulative filled quantity (Binance `executedQty`).
    public var cumulativeQuantity: Quantity
    /// The venue's order id, if the answer names it.
    public var venueOrderId: UInt64?
    /// Why, for `.rejected` (e.g. "order does not exist").
    public var reason: OrderReason?
    /// When the answer was received.
    public var ns: Int64

    /// A status report.
    public init(
        state: OrderState, cumulativeQuantity: Quantity, venueOrderId: UInt64? = nil, reason: OrderReason? = nil,
        ns: Int64
    ) {
        self.state = state
        self.cumulativeQuantity = cumulativeQuantity
        self.venueOrderId = venueOrderId
        self.reason = reason
        self.ns = ns
    }
}

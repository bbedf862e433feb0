import EngineModel

/// Something that happened to an order: what the engine did (submitted, sent, cancel asked) or
/// what the venue said (ack, reject, fill, cancel, expiry, status). `OrderStateMachine` turns
/// each into an `OrderAction`.
///
/// Times are nanoseconds of the engine's clock. Quantities and prices may be at any exponent:
/// they are moved exactly to the order's exponents, and a value that cannot be is reported as
/// `OrderEventIssue.invalidValues`.
public enum OrderEvent: Hashable, Sendable {
    /// Pre-trade risk accepted the command and queued it for the gateway: NEW → PENDING_SUBMIT.
    case submitted(ns: Int64)
    /// The gateway handed the signed request to the socket: PENDING_SUBMIT → SUBMITTED.
    case sent(ns: Int64)
    /// The venue took the order and named it; `cumulativeQuantity` is its executed quantity in
    /// the answer (0 for a plain ack). Idempotent when repeated with the same id.
    case acked(venueOrderId: UInt64, cumulativeQuantity: Quantity, ns: Int64)
    /// Refused by risk (NEW) or by the venue (before any ack or fill).
    case rejected(OrderReason)
    /// A trade of the order.
    case fill(FillReport)
    /// The engine decided to cancel: an open order → CANCEL_PENDING (a NEW one → CANCELED).
    case cancelRequested(ns: Int64)
    /// The venue canceled the order (on request, or by itself).
    case canceled(ns: Int64)
    /// The venue refused the cancel: CANCEL_PENDING → the state before the cancel.
    case cancelRejected(OrderReason)
    /// The venue expired the order (IOC/FOK remainder, expiry).
    case expired(ns: Int64)
    /// A request's outcome is unknown (timeout, 5xx, disconnect mid-order): → UNKNOWN, and the
    /// venue must be queried. Never resubmit.
    case outcomeUnknown(reason: String)
    /// The venue's answer to an order query (or a reconciliation): its state and cumulative
    /// filled quantity. Resolves UNKNOWN.
    case venueStatus(VenueOrderStatus)

    /// The kind of the event, without its values.
    public var kind: OrderEventKind {
        switch self {
        case .submitted: .submitted
        case .sent: .sent
        case .acked: .acked
        case .rejected: .rejected
        case .fill: .fill
        case .cancelRequested: .cancelRequested
        case .canceled: .canceled
        case .cancelRejected: .cancelRejected
        case .expired: .expired
        case .outcomeUnknown: .outcomeUnknown
        case .venueStatus: .venueStatus
        }
    }
}

/// The kinds of `OrderEvent`, for reports, metrics labels and exhaustive tests.
public enum OrderEventKind: String, CaseIterable, Hashable, Sendable {
    /// `OrderEvent.submitted`.
    case submitted
    /// `OrderEvent.sent`.
    case sent
    /// `OrderEvent.acked`.
    case acked
    /// `OrderEvent.rejected`.
    case rejected
    /// `OrderEvent.fill`.
    case fill
    /// `OrderEvent.cancelRequested`.
    case cancelRequested = "cancel_requested"
    /// `OrderEvent.canceled`.
    case canceled
    /// `OrderEvent.cancelRejected`.
    case cancelRejected = "cancel_rejected"
    /// `OrderEvent.expired`.
    case expired
    /// `OrderEvent.outcomeUnknown`.
    case outcomeUnknown = "outcome_unknown"
    /// `OrderEvent.venueStatus`.
    case venueStatus = "venue_status"
}

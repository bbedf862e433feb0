import EngineModel

/// Why `OrderStateMachine` ignored an event. Deterministic: the same event in the same state
/// always gives the same issue, and the record does not change (see `OrderAction.ignored`).
public enum OrderEventIssue: Hashable, Sendable, CustomStringConvertible {
    /// The event cannot happen in this state (a fill on a REJECTED order, an ack after FILLED, a
    /// cancel of a terminal order).
    case illegalTransition(state: OrderState, event: OrderEventKind)
    /// A fill or a reported cumulative quantity would take the filled quantity past the order's
    /// quantity: not applied; reconcile with the venue.
    case overfill(tradeId: UInt64?, reported: Quantity, ordered: Quantity)
    /// The event names another venue order id than the one already known.
    case venueOrderIdMismatch(known: UInt64, reported: UInt64)
    /// A price or quantity is not positive, or cannot be moved exactly to the order's exponent,
    /// or a sum would overflow.
    case invalidValues(event: OrderEventKind)
    /// A venue status reports less filled than already known: an older answer, overtaken.
    case staleStatus(reported: Quantity, known: Quantity)
    /// A venue status contradicts a terminal state the engine already knows (or reports
    /// REJECTED for an order that traded).
    case conflictingStatus(known: OrderState, reported: OrderState)
    /// A venue status with a state only the engine uses (NEW, PENDING_SUBMIT, UNKNOWN).
    case notAVenueState(OrderState)

    /// A stable snake_case name for metrics labels.
    public var name: String {
        switch self {
        case .illegalTransition: "illegal_transition"
        case .overfill: "overfill"
        case .venueOrderIdMismatch: "venue_order_id_mismatch"
        case .invalidValues: "invalid_values"
        case .staleStatus: "stale_status"
        case .conflictingStatus: "conflicting_status"
        case .notAVenueState: "not_a_venue_state"
        }
    }

    /// A one-line message.
    public var description: String {
        switch self {
        case .illegalTransition(let state, let event):
            return "\(event.rawValue) is not legal in state \(state)"
        case .overfill(let tradeId, let reported, let ordered):
            let trade = tradeId.map { "trade \($0) " } ?? ""
            return "\(trade)would fill \(reported) of an order for \(ordered)"
        case .venueOrderIdMismatch(let known, let reported):
            return "venue order id \(reported) does not match the known \(known)"
        case .invalidValues(let event):
            return "\(event.rawValue) carries a non-positive, off-exponent or overflowing value"
        case .staleStatus(let reported, let known):
            return "venue status reports \(reported) filled, \(known) is already known"
        case .conflictingStatus(let known, let reported):
            return "venue status \(reported) contradicts the known state \(known)"
        case .notAVenueState(let state):
            return "\(state) is not a state a venue reports"
        }
    }
}

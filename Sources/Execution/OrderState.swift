/// Where an order is in its life (seed 002 FR-OE-004, plus CANCEL_PENDING and UNKNOWN).
///
/// The raw values are the upper-case names used in logs, metrics and the control plane
/// ("PARTIALLY_FILLED"); `abiValue` is the `tw_order_state_t` number the exec journal carries.
///
/// ```
/// NEW → PENDING_SUBMIT → SUBMITTED → PARTIALLY_FILLED → FILLED
///                                  → CANCEL_PENDING → CANCELED
///                                  → REJECTED / EXPIRED
/// any sent, non-terminal state → UNKNOWN (timeout, 5xx, disconnect) → resolved by a venue status
/// ```
public enum OrderState: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// Created locally; not yet accepted by pre-trade risk. `TW_OS_NEW`.
    case new = "NEW"
    /// Accepted by risk and queued for the gateway; not yet on the wire. `TW_OS_PENDING_SUBMIT`.
    case pendingSubmit = "PENDING_SUBMIT"
    /// Sent to the venue (and possibly acknowledged); nothing filled yet. `TW_OS_SUBMITTED`.
    case submitted = "SUBMITTED"
    /// Some, not all, of the quantity has traded. `TW_OS_PARTIALLY_FILLED`.
    case partiallyFilled = "PARTIALLY_FILLED"
    /// The whole quantity has traded. Terminal. `TW_OS_FILLED`.
    case filled = "FILLED"
    /// Canceled by the user, the engine or the venue. Terminal. `TW_OS_CANCELED`.
    case canceled = "CANCELED"
    /// Refused by risk or by the venue; never traded. Terminal. `TW_OS_REJECTED`.
    case rejected = "REJECTED"
    /// Ended by its time in force (IOC/FOK remainder) or by the venue. Terminal. `TW_OS_EXPIRED`.
    case expired = "EXPIRED"
    /// A cancel was sent and not yet answered; the order may still trade. `TW_OS_CANCEL_PENDING`.
    case cancelPending = "CANCEL_PENDING"
    /// The outcome of a request is unknown (timeout, 5xx, disconnect): the venue must be queried,
    /// the order must never be resubmitted. `TW_OS_UNKNOWN`.
    case unknown = "UNKNOWN"

    /// Whether the order can no longer change state at the venue: FILLED, CANCELED, REJECTED,
    /// EXPIRED. (Late fills of a terminal order are still recorded; see `OrderStateMachine`.)
    public var isTerminal: Bool {
        switch self {
        case .filled, .canceled, .rejected, .expired: true
        case .new, .pendingSubmit, .submitted, .partiallyFilled, .cancelPending, .unknown: false
        }
    }

    /// Whether the order is working or may be working at the venue, so it counts as exposure:
    /// PENDING_SUBMIT, SUBMITTED, PARTIALLY_FILLED, CANCEL_PENDING and UNKNOWN. NEW is not open
    /// (nothing has left the engine); terminal states are not.
    public var isOpen: Bool {
        switch self {
        case .pendingSubmit, .submitted, .partiallyFilled, .cancelPending, .unknown: true
        case .new, .filled, .canceled, .rejected, .expired: false
        }
    }

    /// Whether a venue can report this state for an order it knows: SUBMITTED (Binance "NEW"),
    /// PARTIALLY_FILLED, FILLED, CANCELED, REJECTED, EXPIRED, CANCEL_PENDING. NEW,
    /// PENDING_SUBMIT and UNKNOWN are the engine's own.
    public var isVenueState: Bool {
        switch self {
        case .submitted, .partiallyFilled, .filled, .canceled, .rejected, .expired, .cancelPending: true
        case .new, .pendingSubmit, .unknown: false
        }
    }

    /// The `tw_order_state_t` value (1…10; 0, `TW_OS_NONE`, is no state and has no case).
    public var abiValue: UInt8 {
        switch self {
        case .new: 1
        case .pendingSubmit: 2
        case .submitted: 3
        case .partiallyFilled: 4
        case .filled: 5
        case .canceled: 6
        case .rejected: 7
        case .expired: 8
        case .cancelPending: 9
        case .unknown: 10
        }
    }

    /// The state of a `tw_order_state_t` value; nil for `TW_OS_NONE` (0) and unknown values,
    /// which are refused, never defaulted.
    public init?(abiValue: UInt8) {
        guard let state = Self.allCases.first(where: { $0.abiValue == abiValue }) else { return nil }
        self = state
    }

    /// The upper-case name ("PARTIALLY_FILLED").
    public var description: String { rawValue }
}

import EngineModel

/// The life of one order as an I/O-free state machine: events in, actions out.
///
/// The owner (the execution stage) feeds it what happened — `OrderEvent`s from risk, the gateway
/// and the venue — and does the I/O each returned `OrderAction` asks for: hand the order to the
/// gateway, send a cancel, query the venue, fetch trades, publish updates. The machine never
/// traps on a venue's word: an event that is not legal in the current state, or whose values
/// cannot be used, changes nothing and comes back as `.ignored(issue)`; a repeated trade id
/// comes back as `.duplicateFill`.
///
/// Rules that are easy to get wrong, and what this machine does:
/// - Out of order: a fill before the ack works (the order moves to PARTIALLY_FILLED/FILLED and
///   the late ack only records the venue id); a late `sent` only records its time.
/// - A fill is never lost: a new trade id is applied in any state that reached the venue, even
///   CANCELED or EXPIRED (a cancel answer can overtake the trade's report), as long as it does
///   not overfill. Only NEW and REJECTED orders refuse fills.
/// - UNKNOWN (timeout, 5xx, disconnect) asks for a venue query, never a resubmit; an ack, a fill
///   or a venue status resolves it.
/// - Quantities the venue reports beyond the trades seen (`venueFilledQuantity`) count for the
///   state; a venue status that implies unseen trades asks for them (`.fetchTrades`).
public struct OrderStateMachine: Hashable, Sendable {
    /// The order as it stands.
    public internal(set) var record: OrderRecord

    /// The state to return to when a cancel is refused (set while CANCEL_PENDING).
    public internal(set) var stateBeforeCancel: OrderState?

    /// A machine for a NEW order.
    ///
    /// - Precondition: `record.state` is `.new` (a machine is only started at the beginning).
    public init(record: OrderRecord) {
        precondition(record.state == .new, "an order state machine starts at NEW, not \(record.state)")
        self.record = record
        self.stateBeforeCancel = nil
    }

    /// The order's current state.
    public var state: OrderState { record.state }

    /// Applies `event` and returns what the owner must do.
    public mutating func handle(_ event: OrderEvent) -> OrderAction {
        switch event {
        case .submitted(let ns): submitted(ns: ns)
        case .sent(let ns): sent(ns: ns)
        case .acked(let id, let cumulative, let ns): acked(venueOrderId: id, cumulative: cumulative, ns: ns)
        case .rejected(let reason): rejected(reason)
        case .fill(let report): fill(report)
        case .cancelRequested: cancelRequested()
        case .canceled: canceled()
        case .cancelRejected(let reason): cancelRejected(reason)
        case .expired: expired()
        case .outcomeUnknown(let reason): outcomeUnknown(reason)
        case .venueStatus(let status): venueStatus(status)
        }
    }

    // MARK: - Helpers shared by the transitions

    /// The update from `from` to the current state.
    func update(from: OrderState) -> OrderUpdate {
        OrderUpdate(clientOrderId: record.clientOrderId, from: from, to: record.state)
    }

    /// The working state the known filled quantity implies: SUBMITTED, PARTIALLY_FILLED or FILLED.
    func workingState() -> OrderState {
        let known = record.knownFilledQuantity
        if known.mantissa == 0 { return .submitted }
        return known >= record.quantity ? .filled : .partiallyFilled
    }

    /// `quantity` at the order's quantity exponent, exactly, or nil.
    func normalized(_ quantity: Quantity) -> Quantity? {
        FixedPointMath.aligned(quantity, to: record.quantity.exponent)
    }

    /// The issue for `event` in the current state.
    func illegal(_ event: OrderEventKind) -> OrderAction {
        .ignored(.illegalTransition(state: record.state, event: event))
    }

    // MARK: - Submission

    /// NEW → PENDING_SUBMIT; repeated → nothing.
    mutating func submitted(ns: Int64) -> OrderAction {
        switch record.state {
        case .new:
            record.state = .pendingSubmit
            record.times.submittedNs = ns
            return .sendToGateway(update(from: .new))
        case .pendingSubmit:
            return .none
        default:
            return illegal(.submitted)
        }
    }

    /// PENDING_SUBMIT → SUBMITTED. Later states only record the time (a late local report).
    mutating func sent(ns: Int64) -> OrderAction {
        switch record.state {
        case .new:
            return illegal(.sent)
        case .pendingSubmit:
            record.state = .submitted
            record.times.sentNs = ns
            return .publish(update(from: .pendingSubmit))
        default:
            if record.times.sentNs == nil { record.times.sentNs = ns }
            if stateBeforeCancel == .pendingSubmit { stateBeforeCancel = .submitted }
            return .none
        }
    }

    /// The venue took the order. Moves PENDING_SUBMIT/SUBMITTED/UNKNOWN to the working state its
    /// cumulative quantity implies; in a terminal state it only records the venue id and is
    /// reported as illegal.
    mutating func acked(venueOrderId: UInt64, cumulative: Quantity, ns: Int64) -> OrderAction {
        if let known = record.venueOrderId, known != venueOrderId {
            return .ignored(.venueOrderIdMismatch(known: known, reported: venueOrderId))
        }
        guard let cumulative = normalized(cumulative) else { return .ignored(.invalidValues(event: .acked)) }
        guard cumulative <= record.quantity else {
            return .ignored(.overfill(tradeId: nil, reported: cumulative, ordered: record.quantity))
        }
        let from = record.state
        switch from {
        case .new, .rejected:
            return illegal(.acked)
        case .filled, .canceled, .expired:
            // The state does not move, but the id the venue named is worth keeping.
            recordAck(venueOrderId: venueOrderId, cumulative: cumulative, ns: ns)
            return illegal(.acked)
        case .pendingSubmit, .submitted, .partiallyFilled, .unknown, .cancelPending:
            let before = record
            recordAck(venueOrderId: venueOrderId, cumulative: cumulative, ns: ns)
            if from == .cancelPending {
                let working = workingState()
                if working == .filled {
                    record.state = .filled
                    stateBeforeCancel = nil
                } else {
                    stateBeforeCancel = working
                }
            } else {
                record.state = workingState()
            }
            if record.state == before.state && record.venueOrderId == before.venueOrderId
                && record.venueFilledQuantity == before.venueFilledQuantity
            {
                return .none
            }
            return .publish(update(from: from))
        }
    }

    /// Records what an ack says without moving the state.
    private mutating func recordAck(venueOrderId: UInt64, cumulative: Quantity, ns: Int64) {
        if record.venueOrderId == nil { record.venueOrderId = venueOrderId }
        if record.times.ackedNs == nil { record.times.ackedNs = ns }
        if cumulative > record.venueFilledQuantity { record.venueFilledQuantity = cumulative }
    }

    /// → REJECTED, for an order that neither the venue acknowledged nor traded; repeated → nothing.
    mutating func rejected(_ reason: OrderReason) -> OrderAction {
        let from = record.state
        switch from {
        case .rejected:
            return .none
        case .new, .pendingSubmit, .submitted, .cancelPending, .unknown:
            guard record.venueOrderId == nil, record.knownFilledQuantity.mantissa == 0 else {
                return illegal(.rejected)
            }
            record.state = .rejected
            record.lastReason = reason
            stateBeforeCancel = nil
            return .publish(update(from: from))
        case .partiallyFilled, .filled, .canceled, .expired:
            return illegal(.rejected)
        }
    }
}

import EngineModel

extension OrderStateMachine {
    /// A request's outcome is unknown (timeout, 5xx, disconnect mid-order). Any state that may be
    /// at the venue and is not terminal → UNKNOWN with `.queryVenue`; UNKNOWN again asks for
    /// another query. NEW never left the engine and terminal orders are settled: illegal.
    mutating func outcomeUnknown(_ reason: String) -> OrderAction {
        let from = record.state
        switch from {
        case .pendingSubmit, .submitted, .partiallyFilled, .cancelPending, .unknown:
            record.state = .unknown
            record.lastReason = OrderReason(code: 0, text: reason)
            stateBeforeCancel = nil
            return .queryVenue(update(from: from), reason: reason)
        case .new, .filled, .canceled, .rejected, .expired:
            return illegal(.outcomeUnknown)
        }
    }

    /// The venue's answer to a query. Resolves UNKNOWN, reconciles a working order, and asks for
    /// the trades when the venue reports more filled than the trades seen (`.fetchTrades`).
    ///
    /// Ignored: a state only the engine uses; a NEW order (never sent); another venue order id;
    /// an overfill; less filled than already known (a stale answer, overtaken); a working state
    /// for an order known to be terminal, or another terminal state (a contradiction to alert on).
    mutating func venueStatus(_ status: VenueOrderStatus) -> OrderAction {
        let from = record.state
        guard status.state.isVenueState else { return .ignored(.notAVenueState(status.state)) }
        guard from != .new else { return illegal(.venueStatus) }
        if let known = record.venueOrderId, let reported = status.venueOrderId, known != reported {
            return .ignored(.venueOrderIdMismatch(known: known, reported: reported))
        }
        guard let cumulative = normalized(status.cumulativeQuantity) else {
            return .ignored(.invalidValues(event: .venueStatus))
        }
        guard cumulative <= record.quantity else {
            return .ignored(.overfill(tradeId: nil, reported: cumulative, ordered: record.quantity))
        }
        guard cumulative >= record.knownFilledQuantity else {
            return .ignored(.staleStatus(reported: cumulative, known: record.knownFilledQuantity))
        }
        if from.isTerminal && status.state != from {
            return .ignored(.conflictingStatus(known: from, reported: status.state))
        }
        if status.state == .rejected && cumulative.mantissa > 0 {
            return .ignored(.conflictingStatus(known: from, reported: status.state))
        }

        let before = record
        if record.venueOrderId == nil, let reported = status.venueOrderId { record.venueOrderId = reported }
        record.venueFilledQuantity = cumulative
        record.state = stateAfterStatus(status, from: from)
        if record.state == .rejected, let reason = status.reason { record.lastReason = reason }
        let missing = record.missingQuantity
        if missing.mantissa > 0 { return .fetchTrades(update(from: from), missing: missing) }
        return record == before ? .none : .publish(update(from: from))
    }

    /// The state a venue status leaves a non-terminal order in. Working venue states are
    /// recomputed from the known filled quantity; a CANCEL_PENDING order stays so while the venue
    /// still reports it working (the cancel may not have arrived yet).
    private mutating func stateAfterStatus(_ status: VenueOrderStatus, from: OrderState) -> OrderState {
        switch status.state {
        case .submitted, .partiallyFilled:
            let working = workingState()
            if working == .filled {
                stateBeforeCancel = nil
                return .filled
            }
            if from == .cancelPending {
                stateBeforeCancel = working
                return .cancelPending
            }
            return working
        case .cancelPending:
            if from != .cancelPending { stateBeforeCancel = workingState() }
            return .cancelPending
        case .filled, .canceled, .rejected, .expired:
            stateBeforeCancel = nil
            return status.state
        case .new, .pendingSubmit, .unknown:
            return from  // Refused by the caller; kept total.
        }
    }
}

import EngineModel

extension OrderStateMachine {
    /// The engine decided to cancel. A working order → CANCEL_PENDING (`.sendCancel`); a NEW one
    /// never left the engine, so it is CANCELED at once; a repeat while CANCEL_PENDING does
    /// nothing. UNKNOWN must be resolved by a venue query first; terminal orders cannot be.
    mutating func cancelRequested() -> OrderAction {
        let from = record.state
        switch from {
        case .new:
            record.state = .canceled
            return .publish(update(from: from))
        case .pendingSubmit, .submitted, .partiallyFilled:
            stateBeforeCancel = from
            record.state = .cancelPending
            return .sendCancel(update(from: from))
        case .cancelPending:
            return .none
        case .unknown, .filled, .canceled, .rejected, .expired:
            return illegal(.cancelRequested)
        }
    }

    /// The venue canceled the order: any state that reached the venue and is not terminal →
    /// CANCELED; a repeat does nothing.
    mutating func canceled() -> OrderAction {
        let from = record.state
        switch from {
        case .canceled:
            return .none
        case .pendingSubmit, .submitted, .partiallyFilled, .cancelPending, .unknown:
            record.state = .canceled
            stateBeforeCancel = nil
            return .publish(update(from: from))
        case .new, .filled, .rejected, .expired:
            return illegal(.canceled)
        }
    }

    /// The venue refused the cancel: CANCEL_PENDING → the state before it (recomputed from the
    /// filled quantity when fills arrived meanwhile), with the reason recorded.
    mutating func cancelRejected(_ reason: OrderReason) -> OrderAction {
        let from = record.state
        guard from == .cancelPending else { return illegal(.cancelRejected) }
        var back = stateBeforeCancel ?? workingState()
        if back == .submitted || back == .partiallyFilled { back = workingState() }
        record.state = back
        record.lastReason = reason
        stateBeforeCancel = nil
        return .publish(update(from: from))
    }

    /// The venue expired the order: any state that reached the venue and is not terminal →
    /// EXPIRED; a repeat does nothing.
    mutating func expired() -> OrderAction {
        let from = record.state
        switch from {
        case .expired:
            return .none
        case .pendingSubmit, .submitted, .partiallyFilled, .cancelPending, .unknown:
            record.state = .expired
            stateBeforeCancel = nil
            return .publish(update(from: from))
        case .new, .filled, .canceled, .rejected:
            return illegal(.expired)
        }
    }
}

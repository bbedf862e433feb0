import EngineModel
import Execution
import Testing

/// Every state × every event kind, with one representative event each: the resulting state and
/// the action's name. An `ignored` event must leave the machine exactly as it was.
@Suite("Order state machine: the whole transition table")
struct TransitionTableTests {
    /// One representative event per kind. The fill (0.4 of 1 BTC) is partial; the venue status
    /// says CANCELED with exactly the quantity the order already knows as filled.
    static func event(_ kind: OrderEventKind, knownFilled: Quantity) -> OrderEvent {
        switch kind {
        case .submitted: .submitted(ns: 100)
        case .sent: .sent(ns: 200)
        case .acked: .acked(venueOrderId: 777, cumulativeQuantity: Fixtures.qty("0"), ns: 300)
        case .rejected: .rejected(OrderReason(code: -2010, text: "rejected"))
        case .fill: Fixtures.fill(9001, "0.4")
        case .cancelRequested: .cancelRequested(ns: 500)
        case .canceled: .canceled(ns: 600)
        case .cancelRejected: .cancelRejected(OrderReason(code: -2011, text: "Unknown order sent."))
        case .expired: .expired(ns: 700)
        case .outcomeUnknown: .outcomeUnknown(reason: "timeout")
        case .venueStatus: .venueStatus(VenueOrderStatus(state: .canceled, cumulativeQuantity: knownFilled, ns: 800))
        }
    }

    /// Expected (state after, action name) for each (state before, event kind).
    static let table: [OrderState: [OrderEventKind: (OrderState, String)]] = [
        .new: [
            .submitted: (.pendingSubmit, "send_to_gateway"), .sent: (.new, "ignored"), .acked: (.new, "ignored"),
            .rejected: (.rejected, "publish"), .fill: (.new, "ignored"), .cancelRequested: (.canceled, "publish"),
            .canceled: (.new, "ignored"), .cancelRejected: (.new, "ignored"), .expired: (.new, "ignored"),
            .outcomeUnknown: (.new, "ignored"), .venueStatus: (.new, "ignored"),
        ],
        .pendingSubmit: [
            .submitted: (.pendingSubmit, "none"), .sent: (.submitted, "publish"), .acked: (.submitted, "publish"),
            .rejected: (.rejected, "publish"), .fill: (.partiallyFilled, "publish_fill"),
            .cancelRequested: (.cancelPending, "send_cancel"), .canceled: (.canceled, "publish"),
            .cancelRejected: (.pendingSubmit, "ignored"), .expired: (.expired, "publish"),
            .outcomeUnknown: (.unknown, "query_venue"), .venueStatus: (.canceled, "publish"),
        ],
        .submitted: [
            .submitted: (.submitted, "ignored"), .sent: (.submitted, "none"), .acked: (.submitted, "publish"),
            .rejected: (.rejected, "publish"), .fill: (.partiallyFilled, "publish_fill"),
            .cancelRequested: (.cancelPending, "send_cancel"), .canceled: (.canceled, "publish"),
            .cancelRejected: (.submitted, "ignored"), .expired: (.expired, "publish"),
            .outcomeUnknown: (.unknown, "query_venue"), .venueStatus: (.canceled, "publish"),
        ],
        .partiallyFilled: [
            .submitted: (.partiallyFilled, "ignored"), .sent: (.partiallyFilled, "none"),
            .acked: (.partiallyFilled, "none"), .rejected: (.partiallyFilled, "ignored"),
            .fill: (.partiallyFilled, "publish_fill"), .cancelRequested: (.cancelPending, "send_cancel"),
            .canceled: (.canceled, "publish"), .cancelRejected: (.partiallyFilled, "ignored"),
            .expired: (.expired, "publish"), .outcomeUnknown: (.unknown, "query_venue"),
            .venueStatus: (.canceled, "publish"),
        ],
        .filled: [
            .submitted: (.filled, "ignored"), .sent: (.filled, "none"), .acked: (.filled, "ignored"),
            .rejected: (.filled, "ignored"), .fill: (.filled, "ignored"), .cancelRequested: (.filled, "ignored"),
            .canceled: (.filled, "ignored"), .cancelRejected: (.filled, "ignored"), .expired: (.filled, "ignored"),
            .outcomeUnknown: (.filled, "ignored"), .venueStatus: (.filled, "ignored"),
        ],
        .canceled: [
            .submitted: (.canceled, "ignored"), .sent: (.canceled, "none"), .acked: (.canceled, "ignored"),
            .rejected: (.canceled, "ignored"), .fill: (.canceled, "publish_fill"),
            .cancelRequested: (.canceled, "ignored"), .canceled: (.canceled, "none"),
            .cancelRejected: (.canceled, "ignored"), .expired: (.canceled, "ignored"),
            .outcomeUnknown: (.canceled, "ignored"), .venueStatus: (.canceled, "none"),
        ],
        .rejected: [
            .submitted: (.rejected, "ignored"), .sent: (.rejected, "none"), .acked: (.rejected, "ignored"),
            .rejected: (.rejected, "none"), .fill: (.rejected, "ignored"), .cancelRequested: (.rejected, "ignored"),
            .canceled: (.rejected, "ignored"), .cancelRejected: (.rejected, "ignored"),
            .expired: (.rejected, "ignored"), .outcomeUnknown: (.rejected, "ignored"),
            .venueStatus: (.rejected, "ignored"),
        ],
        .expired: [
            .submitted: (.expired, "ignored"), .sent: (.expired, "none"), .acked: (.expired, "ignored"),
            .rejected: (.expired, "ignored"), .fill: (.expired, "publish_fill"),
            .cancelRequested: (.expired, "ignored"), .canceled: (.expired, "ignored"),
            .cancelRejected: (.expired, "ignored"), .expired: (.expired, "none"),
            .outcomeUnknown: (.expired, "ignored"), .venueStatus: (.expired, "ignored"),
        ],
        .cancelPending: [
            .submitted: (.cancelPending, "ignored"), .sent: (.cancelPending, "none"),
            .acked: (.cancelPending, "none"), .rejected: (.cancelPending, "ignored"),
            .fill: (.cancelPending, "publish_fill"), .cancelRequested: (.cancelPending, "none"),
            .canceled: (.canceled, "publish"), .cancelRejected: (.submitted, "publish"),
            .expired: (.expired, "publish"), .outcomeUnknown: (.unknown, "query_venue"),
            .venueStatus: (.canceled, "publish"),
        ],
        .unknown: [
            .submitted: (.unknown, "ignored"), .sent: (.unknown, "none"), .acked: (.submitted, "publish"),
            .rejected: (.rejected, "publish"), .fill: (.partiallyFilled, "publish_fill"),
            .cancelRequested: (.unknown, "ignored"), .canceled: (.canceled, "publish"),
            .cancelRejected: (.unknown, "ignored"), .expired: (.expired, "publish"),
            .outcomeUnknown: (.unknown, "query_venue"), .venueStatus: (.canceled, "publish"),
        ],
    ]

    @Test("the table covers every state and every event kind")
    func tableIsComplete() {
        #expect(Set(Self.table.keys) == Set(OrderState.allCases))
        for (_, row) in Self.table { #expect(Set(row.keys) == Set(OrderEventKind.allCases)) }
    }

    @Test("each state × event gives the expected state and action", arguments: OrderState.allCases)
    func transitions(from state: OrderState) {
        for kind in OrderEventKind.allCases {
            var machine = Fixtures.machine(in: state)
            let before = machine
            let action = machine.handle(Self.event(kind, knownFilled: machine.record.knownFilledQuantity))
            guard let (expectedState, expectedAction) = Self.table[state]?[kind] else {
                Issue.record("no table entry for \(state) × \(kind)")
                continue
            }
            #expect(machine.state == expectedState, "\(state) × \(kind.rawValue)")
            #expect(action.name == expectedAction, "\(state) × \(kind.rawValue): \(action)")
            if case .ignored = action {
                #expect(machine == before, "\(state) × \(kind.rawValue) was ignored but changed the machine")
            }
            if let update = action.update {
                #expect(update.from == state && update.to == machine.state)
                #expect(update.clientOrderId == "tw-1")
            }
        }
    }

    @Test("every event but a fill is idempotent: a repeat moves nothing and publishes nothing")
    func repeatsAreIdempotent() {
        for state in OrderState.allCases {
            for kind in OrderEventKind.allCases where kind != .fill {
                var machine = Fixtures.machine(in: state)
                let event = Self.event(kind, knownFilled: machine.record.knownFilledQuantity)
                _ = machine.handle(event)
                let afterFirst = machine
                let second = machine.handle(event)
                #expect(machine.state == afterFirst.state, "\(state) × \(kind.rawValue) twice")
                // A repeated outcomeUnknown asks for another query, with an update from UNKNOWN to UNKNOWN.
                if kind != .outcomeUnknown, second.update != nil {
                    Issue.record("\(state) × \(kind.rawValue) twice published again: \(second)")
                }
            }
        }
    }
}

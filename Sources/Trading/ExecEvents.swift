import EngineKit
import EngineModel
import Execution

/// How exec journal reports become order lifecycle events: one mapping for the engine's own
/// bookkeeping and for every reader that rebuilds orders from the journal (`engine orders`).
public enum ExecEvents {
    /// The lifecycle event a report means for its order, at the instrument's exponents; nil for
    /// records that concern no single order (accepted/rejected answers create or end orders
    /// themselves, halts, balances).
    public static func event(_ r: ExecReport, priceExponent: Int8, quantityExponent: Int8) -> OrderEvent? {
        let when = r.venueNs != 0 ? r.venueNs : (r.receiveNs != 0 ? r.receiveNs : r.publishNs)
        let cum = Quantity(mantissa: r.cumQuantity, exponent: quantityExponent)
        switch r.type {
        case .accepted, .halt, .balance, .position:
            return nil
        case .rejected:
            return .rejected(OrderReason(code: r.code, text: r.text))
        case .sent:
            return r.orderState == OrderState.cancelPending.abiValue ? .cancelRequested(ns: r.publishNs) : .sent(ns: r.publishNs)
        case .ack:
            return .acked(venueOrderId: r.venueOrderId, cumulativeQuantity: cum, ns: when)
        case .partialFill, .fill:
            let fee = Price(mantissa: r.fee, exponent: r.feeExponent)
            return .fill(
                FillReport(
                    tradeId: r.tradeId, price: Price(mantissa: r.price, exponent: priceExponent),
                    quantity: Quantity(mantissa: r.quantity, exponent: quantityExponent), cumulativeQuantity: cum,
                    fee: fee, feeAsset: r.feeAsset, isMaker: r.isMaker, ns: when, isLast: r.type == .fill))
        case .canceled:
            return .canceled(ns: when)
        case .cancelReject:
            return .cancelRejected(OrderReason(code: r.code, text: r.text))
        case .expired:
            return .expired(ns: when)
        case .status:
            // The venue's NEW is a working order with nothing filled: SUBMITTED here.
            var state = OrderState(abiValue: r.orderState) ?? .unknown
            if state == .new { state = .submitted }
            if state == .unknown { return .outcomeUnknown(reason: r.text.isEmpty ? "outcome unknown" : r.text) }
            return .venueStatus(
                VenueOrderStatus(
                    state: state, cumulativeQuantity: cum, venueOrderId: r.venueOrderId == 0 ? nil : r.venueOrderId,
                    reason: r.code != 0 ? OrderReason(code: r.code, text: r.text) : nil, ns: when))
        }
    }
}

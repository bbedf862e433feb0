import EngineModel
import Execution

/// Shared values for the Execution tests: BTCUSDT with Binance's filters (tick 0.01, step
/// 0.00001, min notional 5), requests and state machines driven into each state.
enum Fixtures {
    /// BTCUSDT: price exponent −2, quantity exponent −5.
    static let btc: Instrument = {
        do {
            return try Instrument(
                symbol: "BTCUSDT", venue: "binance", tickSize: "0.01000000", stepSize: "0.00001000",
                minNotional: "5.00000000")
        } catch {
            preconditionFailure("\(error)")
        }
    }()

    /// A price at −2.
    static func price(_ text: String) -> Price { Price(text, exponent: -2) }

    /// A quantity at −5.
    static func qty(_ text: String) -> Quantity { Quantity(text, exponent: -5) }

    /// A limit buy of `quantity` at `price` (defaults: 1 BTC at 100.00).
    static func request(
        id: String? = nil, side: Side = .buy, type: OrderType = .limit, tif: TimeInForce = .gtc,
        price: Price? = Fixtures.price("100.00"), quantity: Quantity = Fixtures.qty("1")
    ) -> OrderRequest {
        OrderRequest(
            clientOrderId: id, instrumentIndex: 0, instrument: btc, side: side, type: type, timeInForce: tif,
            price: price, quantity: quantity, strategyId: 7, commandId: 42, producer: 3)
    }

    /// A fresh NEW machine for `request()`.
    static func machine(quantity: Quantity = Fixtures.qty("1")) -> OrderStateMachine {
        OrderStateMachine(
            record: OrderRecord(request: request(quantity: quantity), clientOrderId: "tw-1", createdNs: 1))
    }

    /// A fill report at 100.00 (unless given) of `quantity`.
    static func fill(
        _ tradeId: UInt64, _ quantity: String, price: String = "100.00", cumulative: String? = nil,
        fee: Price = Price(mantissa: 0, exponent: 0), feeAsset: String = "", isLast: Bool = false, ns: Int64 = 40
    ) -> OrderEvent {
        .fill(
            FillReport(
                tradeId: tradeId, price: Fixtures.price(price), quantity: qty(quantity),
                cumulativeQuantity: cumulative.map { qty($0) }, fee: fee, feeAsset: feeAsset, ns: ns, isLast: isLast))
    }

    /// The events that drive a NEW machine into `state` (venue id 777 once acknowledged).
    static func path(to state: OrderState) -> [OrderEvent] {
        let ack = OrderEvent.acked(venueOrderId: 777, cumulativeQuantity: qty("0"), ns: 30)
        switch state {
        case .new: return []
        case .pendingSubmit: return [.submitted(ns: 10)]
        case .submitted: return [.submitted(ns: 10), .sent(ns: 20)]
        case .partiallyFilled: return [.submitted(ns: 10), .sent(ns: 20), ack, fill(1, "0.3")]
        case .filled: return [.submitted(ns: 10), .sent(ns: 20), ack, fill(1, "1")]
        case .canceled: return [.submitted(ns: 10), .sent(ns: 20), ack, .cancelRequested(ns: 50), .canceled(ns: 60)]
        case .rejected: return [.submitted(ns: 10), .rejected(OrderReason(code: -2010, text: "rejected"))]
        case .expired: return [.submitted(ns: 10), .sent(ns: 20), ack, .expired(ns: 70)]
        case .cancelPending: return [.submitted(ns: 10), .sent(ns: 20), ack, .cancelRequested(ns: 50)]
        case .unknown: return [.submitted(ns: 10), .sent(ns: 20), .outcomeUnknown(reason: "timeout")]
        }
    }

    /// A machine driven into `state` along `path(to:)`.
    static func machine(in state: OrderState) -> OrderStateMachine {
        var machine = machine()
        for event in path(to: state) { _ = machine.handle(event) }
        precondition(machine.state == state, "fixture path to \(state) ended in \(machine.state)")
        return machine
    }
}

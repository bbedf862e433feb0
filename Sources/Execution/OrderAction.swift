import EngineModel

/// What the owner of an `OrderStateMachine` must do after an event: the I/O the machine itself
/// never does. Every case that changed the record carries the `OrderUpdate` to publish.
public enum OrderAction: Hashable, Sendable {
    /// Nothing changed: an idempotent repeat (a second ack, a repeated cancel request), or a late
    /// local report that only filled in a time.
    case none
    /// The record changed (state, venue id, reason): publish the order update.
    case publish(OrderUpdate)
    /// Risk accepted the order (NEW → PENDING_SUBMIT): hand it to the gateway, publish the update.
    case sendToGateway(OrderUpdate)
    /// A new trade was applied (normalised to the order's exponents): publish the fill and the
    /// update, feed the account.
    case publishFill(FillReport, OrderUpdate)
    /// The order is now CANCEL_PENDING: send the cancel to the venue, publish the update.
    case sendCancel(OrderUpdate)
    /// The outcome of a request is unknown (the order is UNKNOWN): query the venue for the order
    /// by its client order id. Never resubmit it.
    case queryVenue(OrderUpdate, reason: String)
    /// The venue reports more filled than the trades seen, without trade ids: fetch the order's
    /// trades (Binance `myTrades` by orderId) and feed them back as `.fill` events; publish the
    /// update.
    case fetchTrades(OrderUpdate, missing: Quantity)
    /// A fill whose trade id was already applied: nothing changed; count it.
    case duplicateFill(tradeId: UInt64)
    /// The event is not legal now, or its values are not usable: nothing changed (except, for a
    /// late ack, the venue order id it names). Count and log it.
    case ignored(OrderEventIssue)

    /// The update to publish, when the record changed.
    public var update: OrderUpdate? {
        switch self {
        case .publish(let u), .sendToGateway(let u), .publishFill(_, let u), .sendCancel(let u),
            .queryVenue(let u, _), .fetchTrades(let u, _):
            return u
        case .none, .duplicateFill, .ignored:
            return nil
        }
    }

    /// A stable snake_case name for metrics and logs ("publish_fill", "ignored").
    public var name: String {
        switch self {
        case .none: "none"
        case .publish: "publish"
        case .sendToGateway: "send_to_gateway"
        case .publishFill: "publish_fill"
        case .sendCancel: "send_cancel"
        case .queryVenue: "query_venue"
        case .fetchTrades: "fetch_trades"
        case .duplicateFill: "duplicate_fill"
        case .ignored: "ignored"
        }
    }
}

/// A state change of one order, as published to `orders.{symbol}`. `from == to` when only
/// quantities, ids or reasons changed.
public struct OrderUpdate: Hashable, Sendable {
    /// The order's client order id.
    public var clientOrderId: String
    /// The state before the event.
    public var from: OrderState
    /// The state after the event.
    public var to: OrderState

    /// An update.
    public init(clientOrderId: String, from: OrderState, to: OrderState) {
        self.clientOrderId = clientOrderId
        self.from = from
        self.to = to
    }
}

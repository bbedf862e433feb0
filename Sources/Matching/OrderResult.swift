/// What placing an order produced: its state afterwards (the RESULT response), its own fills
/// (the FULL response's `fills`) and every event the venue publishes because of it.
public struct OrderResult: Hashable, Sendable {
    /// The order after matching: FILLED, PARTIALLY_FILLED/NEW and working, or EXPIRED.
    public let order: VenueOrder

    /// The order's fills, in execution order.
    public let fills: [VenueFill]

    /// Execution reports (the order's and its counterparties'), account positions, public
    /// trades and book updates, in publication order.
    public let events: [VenueEvent]
}

/// What canceling an order produced.
public struct CancelResult: Hashable, Sendable {
    /// The order as canceled.
    public let order: VenueOrder

    /// The cancel request's own client id (`clientOrderId` of Binance's cancel response; the
    /// order's id is its `origClientOrderId`).
    public let cancelClientOrderId: String

    /// The CANCELED report, the account position and the book updates.
    public let events: [VenueEvent]
}

/// What canceling all of an account's open orders on a symbol produced.
public struct CancelAllResult: Hashable, Sendable {
    /// The orders as canceled, by order id.
    public let orders: [VenueOrder]

    /// One CANCELED report per order, the account position and the book updates.
    public let events: [VenueEvent]
}

/// The events of one engine call while it runs: execution reports and public trades in the
/// order they happened, and the fills of the order being placed.
struct CallOutput: Sendable {
    /// The order whose fills go to `fills` (nil outside placement).
    let takerOrderId: Int64?
    /// Execution reports so far.
    var executions: [ExecutionReport] = []
    /// Public trades so far.
    var trades: [PublicTrade] = []
    /// The taker's fills so far.
    var fills: [VenueFill] = []

    /// An empty output, collecting fills for `takerOrderId`.
    init(takerOrderId: Int64? = nil) {
        self.takerOrderId = takerOrderId
    }
}

import EngineModel

// Open orders: the engine's against the venue's, matched by client order id. A difference is
// reported, never corrected here: the order path owns order state and asks the venue about the
// order (a query by id), so an order's state changes in one place only.

extension Reconciler {
    /// What comparing the open orders found.
    struct OrderOutcome {
        var checked = 0
        var discrepancies: [Discrepancy] = []
        /// Orders open at the venue the engine does not know: trading must stop until they are explained.
        var unknownAtVenue = 0
    }

    /// The engine's open orders the venue does not list, then the venue's the engine does not know,
    /// each sorted by client order id.
    ///
    /// An engine order the venue does not list may have filled or been cancelled since; the venue
    /// having an order the engine does not know means something else trades on the account (or the
    /// engine lost an order): both are 10000 bps discrepancies, the second exceeds any threshold.
    static func compareOrders(local: AccountSnapshot, venue: VenueAccountState) -> OrderOutcome {
        var mine: [String: AccountOrder] = [:]
        for order in local.orders.values where order.isOpen { mine[order.clientOrderId] = order }
        var theirs: [String: VenueOpenOrder] = [:]
        for order in venue.openOrders { theirs[order.clientOrderId] = order }
        var outcome = OrderOutcome(checked: Set(mine.keys).union(theirs.keys).count)
        for id in mine.keys.sorted() where theirs[id] == nil {
            guard let order = mine[id] else { continue }
            let size = Amount(order.quantity)
            outcome.discrepancies.append(
                Discrepancy(
                    kind: "order", symbol: id, localSize: size, exchangeSize: .zero, differenceBps: 10_000,
                    detail: "order \(id) (\(order.symbol) \(order.side) \(order.quantity), filled "
                        + "\(order.filledQuantity), status \(order.status)) is open in the engine but not at the "
                        + "venue; no correction here: the order path queries the venue for its state"))
        }
        for id in theirs.keys.sorted() where mine[id] == nil {
            guard let order = theirs[id] else { continue }
            let size = Amount(order.quantity ?? order.executedQuantity)
            let known = local.orders[id].map { " (the engine has it as \($0.status))" } ?? ""
            outcome.unknownAtVenue += 1
            outcome.discrepancies.append(
                Discrepancy(
                    kind: "order", symbol: id, localSize: .zero, exchangeSize: size, differenceBps: 10_000,
                    detail: "order \(id) (\(order.symbol), venue id \(order.venueOrderId), executed "
                        + "\(order.executedQuantity)) is open at the venue but not in the engine\(known); no "
                        + "correction here: the order path queries the venue for its state"))
        }
        return outcome
    }
}

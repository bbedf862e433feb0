extension MatchingEngine {
    /// Cancels one of the account's open orders (`DELETE /api/v3/order`).
    ///
    /// - Parameters:
    ///   - order: the order, by `orderId` or `origClientOrderId`.
    ///   - newClientOrderId: the cancel's own client id (generated when nil); reported as `c`
    ///     of the CANCELED report, the order's id as `C`.
    /// - Throws: -1121 unknown symbol; -1100/-1118 bad `newClientOrderId`; -2011 "Unknown order
    ///   sent." when the order is not open for this account (never placed, already closed, or
    ///   another account's).
    public mutating func cancelOrder(
        symbol: String, account: AccountID, order: OrderRef, newClientOrderId: String? = nil, now: Int64
    ) throws(VenueError) -> CancelResult {
        let key = try symbolKey(symbol)
        if let newClientOrderId { try Self.checkClientOrderId(newClientOrderId) }
        var state = symbols.removeValue(forKey: key)!
        defer { symbols[key] = state }
        guard let orderId = state.openOrderId(order, account: account) else { throw .unknownOrder }
        let cancelId = newClientOrderId ?? clientIds.next()
        var output = CallOutput()
        let canceled = cancel(&state, orderId, cancelClientOrderId: cancelId, now: now, output: &output)
        return CancelResult(
            order: canceled, cancelClientOrderId: cancelId, events: publish(output, state: &state, now: now))
    }

    /// Cancels all of the account's open orders on a symbol (`DELETE /api/v3/openOrders`),
    /// oldest first; -2011 when there are none.
    public mutating func cancelAllOrders(
        symbol: String, account: AccountID, now: Int64
    ) throws(VenueError) -> CancelAllResult {
        let key = try symbolKey(symbol)
        var state = symbols.removeValue(forKey: key)!
        defer { symbols[key] = state }
        let ids = state.open.values.filter { $0.order.account == account }.map(\.order.orderId).sorted()
        guard !ids.isEmpty else { throw .unknownOrder }
        var output = CallOutput()
        let orders = ids.map { cancel(&state, $0, cancelClientOrderId: clientIds.next(), now: now, output: &output) }
        return CancelAllResult(orders: orders, events: publish(output, state: &state, now: now))
    }

    /// Takes an open order off the book, releases its lock and reports CANCELED.
    private mutating func cancel(
        _ state: inout SymbolState, _ orderId: Int64, cancelClientOrderId: String, now: Int64,
        output: inout CallOutput
    ) -> VenueOrder {
        let live = state.open[orderId]!
        if live.order.isWorking {
            let removed = state.book.remove(orderId: orderId, side: live.order.side, price: live.price)
            precondition(removed == live.remaining, "order \(orderId) is not on the book as recorded")
        }
        state.open[orderId]!.order.status = .canceled
        state.open[orderId]!.order.updateTime = now
        let canceled = close(&state, orderId)
        ledger.touch(canceled.account, state.spec.baseAsset)
        ledger.touch(canceled.account, state.spec.quoteAsset)
        output.executions.append(
            statusReport(
                canceled, .canceled, executionId: state.takeExecutionId(), now: now,
                clientOrderId: cancelClientOrderId, originalClientOrderId: canceled.clientOrderId))
        return canceled
    }
}

import EngineModel

/// How much of a validated order to match and what it must lock.
struct OrderPlan: Sendable {
    /// The order quantity mantissa (for a MARKET order by quote amount, the quantity the book
    /// gives for it).
    var quantity: Int64
    /// How much to match now (0: nothing, e.g. a FOK that cannot fill or a LIMIT_MAKER).
    var fillable: Int64
    /// The balance mantissa to lock: quote for BUY, base for SELL.
    var lock: Int64
}

extension MatchingEngine {
    /// Places an order for `account` (`POST /api/v3/order`), matches it, and returns its state,
    /// its fills and the events it caused.
    ///
    /// Checks, in order: the symbol (-1121), the parameters (-1102, -1106, -1114), the
    /// PRICE_FILTER, LOT_SIZE and NOTIONAL filters (-1013), the client order id (-1100, -1118,
    /// -2010 duplicate while open), LIMIT_MAKER taking (-2010), liquidity for `quoteOrderQty`
    /// (-2010) and the balance (-2010). A refused order changes nothing.
    public mutating func placeOrder(
        _ request: NewOrder, account: AccountID, now: Int64
    ) throws(VenueError) -> OrderResult {
        let key = try symbolKey(request.symbol)
        var state = symbols.removeValue(forKey: key)!
        defer { symbols[key] = state }
        return try place(request, account: account, now: now, state: &state)
    }

    /// `placeOrder` on a symbol's state.
    private mutating func place(
        _ request: NewOrder, account: AccountID, now: Int64, state: inout SymbolState
    ) throws(VenueError) -> OrderResult {
        let spec = state.spec
        let quoteExponent = ledger.exponent(of: spec.quoteAsset)
        let order = try spec.validate(request, referencePrice: state.lastTradePrice, quoteExponent: quoteExponent)
        if let given = request.clientOrderId {
            try Self.checkClientOrderId(given)
            let key = ClientKey(account: account, clientOrderId: given)
            guard state.openByClient[key] == nil else { throw .duplicateOrder }
        }
        let limit: Int64? = order.type == .market ? nil : order.price
        if order.type == .limitMaker {
            var takes = false
            state.forEachLevel(takenBy: order.side, limit: limit) { _, _ in
                takes = true
                return false
            }
            if takes { throw .orderWouldTake }
        }
        let plan = try self.plan(order, state: state)
        let lockAsset = order.side == .buy ? spec.quoteAsset : spec.baseAsset
        guard ledger.lock(account, lockAsset, plan.lock) else { throw .insufficientBalance }
        ledger.touch(account, spec.baseAsset)
        ledger.touch(account, spec.quoteAsset)

        // Accepted: from here on the order exists and every outcome is an event.
        let clientOrderId = request.clientOrderId ?? clientIds.next()
        let orderId = state.nextOrderId
        state.nextOrderId += 1
        let accepted = VenueOrder(
            account: account, symbol: spec.symbol, orderId: orderId, clientOrderId: clientOrderId, side: order.side,
            type: order.type, timeInForce: order.timeInForce, price: spec.price(order.price),
            origQty: spec.quantity(plan.quantity),
            origQuoteOrderQty: Quantity(mantissa: order.quoteAmount ?? 0, exponent: quoteExponent),
            executedQty: spec.quantity(0), cumulativeQuoteQty: Quantity(mantissa: 0, exponent: quoteExponent),
            status: .new, time: now, updateTime: now, workingTime: nil, isWorking: false)
        state.open[orderId] = LiveOrder(
            order: accepted, remaining: plan.quantity, locked: plan.lock, price: order.price)
        state.openByClient[ClientKey(account: account, clientOrderId: clientOrderId)] = orderId
        let newExecutionId = state.takeExecutionId()
        var output = CallOutput(takerOrderId: orderId)
        if plan.fillable > 0 {
            match(
                &state, takerId: orderId, side: order.side, limit: limit, quantity: plan.fillable, now: now,
                output: &output)
        }

        var live = state.open[orderId]!
        let rests =
            live.remaining > 0 && (order.type == .limitMaker || (order.type == .limit && order.timeInForce == .gtc))
        var announced = accepted
        announced.isWorking = rests
        announced.workingTime = rests ? now : nil
        output.executions.insert(newReport(announced, executionId: newExecutionId, now: now), at: 0)
        let final: VenueOrder
        if live.remaining == 0 {
            final = close(&state, orderId)
        } else if rests {
            state.book.rest(
                RestingOrder(orderId: orderId, remaining: live.remaining), side: order.side, price: order.price)
            live.order.isWorking = true
            live.order.workingTime = now
            state.open[orderId] = live
            trimLock(&state, orderId)
            final = live.order
        } else {
            live.order.status = .expired
            live.order.updateTime = now
            state.open[orderId] = live
            output.executions.append(
                statusReport(live.order, .expired, executionId: state.takeExecutionId(), now: now))
            final = close(&state, orderId)
        }
        let fills = output.fills
        return OrderResult(order: final, fills: fills, events: publish(output, state: &state, now: now))
    }

    /// Works out the quantity to match and the balance to lock, walking the book where the
    /// order's cost or quantity depends on it.
    private func plan(_ order: ValidatedOrder, state: SymbolState) throws(VenueError) -> OrderPlan {
        let spec = state.spec
        let quoteExponent = ledger.exponent(of: spec.quoteAsset)
        let baseShift = Int(spec.quantityExponent) - Int(ledger.exponent(of: spec.baseAsset))
        func baseLock(_ quantity: Int64) throws(VenueError) -> Int64 {
            guard let amount = ScaledMath.widen(quantity, by: baseShift) else { throw .filterFailure(.lotSize) }
            return amount
        }
        func walk(limit: Int64?, quantity: Int64?, budget: Int64?) throws(VenueError) -> LiquidityWalk {
            let result = state.walk(
                side: order.side, limit: limit, quantity: quantity, quoteBudget: budget, quoteExponent: quoteExponent)
            if result.overflow { throw .filterFailure(.notional) }
            return result
        }
        switch (order.type, order.quantity) {
        case (.limit, let quantity?), (.limitMaker, let quantity?):
            var fillable = order.type == .limitMaker ? 0 : quantity
            if order.timeInForce == .fok,
                try walk(limit: order.price, quantity: quantity, budget: nil).quantity < quantity
            {
                fillable = 0
            }
            let shift = Int(spec.priceExponent) + Int(spec.quantityExponent) - Int(quoteExponent)
            let lock =
                order.side == .buy
                ? ScaledMath.product(order.price, quantity, shift: shift, rounding: .up) : try baseLock(quantity)
            guard let lock else { throw .filterFailure(.notional) }
            return OrderPlan(quantity: quantity, fillable: fillable, lock: lock)
        case (_, let quantity?):
            let found = try walk(limit: nil, quantity: quantity, budget: nil)
            let lock = order.side == .buy ? found.quote : try baseLock(quantity)
            return OrderPlan(quantity: quantity, fillable: found.quantity, lock: lock)
        case (_, nil):
            let found = try walk(limit: nil, quantity: nil, budget: order.quoteAmount)
            if found.quantity == 0 || found.quantity < spec.minQuantity.mantissa {
                let total = state.totalLiquidity(takenBy: order.side)
                if total == 0 { throw .insufficientLiquidity(.emptyBook) }
                if total < spec.minQuantity.mantissa { throw .insufficientLiquidity(.belowLotSizeMinimum) }
                throw .filterFailure(.lotSize)
            }
            let lock = order.side == .buy ? found.quote : try baseLock(found.quantity)
            return OrderPlan(quantity: found.quantity, fillable: found.quantity, lock: lock)
        }
    }

    /// Checks a client-supplied order id: -1118 when empty, -1100 outside Binance's pattern.
    static func checkClientOrderId(_ id: String) throws(VenueError) {
        if id.isEmpty { throw .emptyClientOrderId }
        guard ClientOrderIdGenerator.isValid(id) else {
            throw .illegalCharacters(parameter: "newClientOrderId", legalRange: ClientOrderIdGenerator.pattern)
        }
    }
}

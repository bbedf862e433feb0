import EngineModel

extension MatchingEngine {
    /// Matches `quantity` of an open order against the opposite side, best price first and
    /// FIFO within a price, never beyond `limit` (nil: any price). In shadow mode the
    /// counterparty is the replayed book's unconsumed liquidity.
    mutating func match(
        _ state: inout SymbolState, takerId: Int64, side: Side, limit: Int64?, quantity: Int64, now: Int64,
        output: inout CallOutput
    ) {
        var remaining = quantity
        let opposite = side.opposite
        if state.replay != nil {
            while remaining > 0, let best = state.replay?.bestAvailable(opposite),
                SymbolState.crosses(side, best.price, limit: limit)
            {
                let amount = min(remaining, best.available)
                state.replay?.consume(opposite, price: best.price, quantity: amount)
                let tradeId = state.takeTradeId()
                settle(
                    &state, orderId: takerId, price: best.price, amount: amount, isMaker: false, tradeId: tradeId,
                    shadow: true, now: now, output: &output)
                state.lastTradePrice = best.price
                remaining -= amount
            }
            return
        }
        while remaining > 0, let best = state.book.bestFront(opposite),
            SymbolState.crosses(side, best.price, limit: limit)
        {
            let amount = min(remaining, best.order.remaining)
            _ = state.book.fillBest(opposite, amount: amount)
            let tradeId = state.takeTradeId()
            settle(
                &state, orderId: takerId, price: best.price, amount: amount, isMaker: false, tradeId: tradeId,
                shadow: false, now: now, output: &output)
            settle(
                &state, orderId: best.order.orderId, price: best.price, amount: amount, isMaker: true,
                tradeId: tradeId, shadow: false, now: now, output: &output)
            state.lastTradePrice = best.price
            output.trades.append(
                PublicTrade(
                    symbol: state.spec.symbol, tradeId: tradeId, price: state.spec.price(best.price),
                    quantity: state.spec.quantity(amount),
                    buyerOrderId: side == .buy ? takerId : best.order.orderId,
                    sellerOrderId: side == .buy ? best.order.orderId : takerId, time: now, isBuyerMaker: side == .sell))
            finishMaker(&state, best.order.orderId)
            remaining -= amount
        }
    }

    /// After a maker fill: closes the order when done, else trims its lock to what the rest
    /// needs.
    mutating func finishMaker(_ state: inout SymbolState, _ orderId: Int64) {
        if state.open[orderId]!.remaining == 0 {
            close(&state, orderId)
        } else {
            trimLock(&state, orderId)
        }
    }

    /// Books one side of a fill: moves balances (paid from the order's lock, received minus
    /// commission to free), advances the order, reports TRADE and logs the fill.
    mutating func settle(
        _ state: inout SymbolState, orderId: Int64, price: Int64, amount: Int64, isMaker: Bool, tradeId: Int64,
        shadow: Bool, now: Int64, output: inout CallOutput
    ) {
        let spec = state.spec
        var live = state.open[orderId]!
        let account = live.order.account
        let baseExponent = ledger.exponent(of: spec.baseAsset)
        let quoteExponent = ledger.exponent(of: spec.quoteAsset)
        let shift = Int(spec.priceExponent) + Int(spec.quantityExponent) - Int(quoteExponent)
        guard let quote = ScaledMath.product(price, amount, shift: shift, rounding: .down),
            let base = ScaledMath.widen(amount, by: Int(spec.quantityExponent) - Int(baseExponent))
        else { preconditionFailure("a fill within a checked notional overflowed") }
        let buys = live.order.side == .buy
        let (paidAsset, paid) = buys ? (spec.quoteAsset, quote) : (spec.baseAsset, base)
        let (receivedAsset, received) = buys ? (spec.baseAsset, base) : (spec.quoteAsset, quote)
        let rate = commission(for: account).rate(isMaker: isMaker)
        let fee = min(rate.commission(on: received) ?? received, received)
        ledger.spendLocked(account, paidAsset, paid)
        ledger.credit(account, receivedAsset, received - fee)
        ledger.collectFee(receivedAsset, fee)
        precondition(live.locked >= paid, "order \(orderId) paid more than it locked")
        live.locked -= paid
        live.remaining -= amount
        live.order.executedQty = spec.quantity(live.order.executedQty.mantissa + amount)
        live.order.cumulativeQuoteQty = Quantity(
            mantissa: live.order.cumulativeQuoteQty.mantissa + quote, exponent: quoteExponent)
        live.order.status = live.remaining == 0 ? .filled : .partiallyFilled
        live.order.updateTime = now
        if live.remaining == 0 { live.order.isWorking = false }
        state.open[orderId] = live

        let feeExponent = buys ? baseExponent : quoteExponent
        let fill = VenueFill(
            symbol: spec.symbol, tradeId: tradeId, orderId: orderId, account: account, side: live.order.side,
            price: spec.price(price), quantity: spec.quantity(amount),
            quoteQuantity: Quantity(mantissa: quote, exponent: quoteExponent),
            commission: Quantity(mantissa: fee, exponent: feeExponent), commissionAsset: receivedAsset, time: now,
            isMaker: isMaker, isShadow: shadow)
        output.executions.append(
            ExecutionReport(
                order: live.order, executionType: .trade, clientOrderId: live.order.clientOrderId,
                originalClientOrderId: nil, executionId: state.takeExecutionId(), transactTime: now,
                lastQty: fill.quantity, lastPrice: fill.price, lastQuoteQty: fill.quoteQuantity,
                commission: fill.commission, commissionAsset: receivedAsset, tradeId: tradeId, isMaker: isMaker,
                isShadowFill: shadow))
        if orderId == output.takerOrderId { output.fills.append(fill) }
        let logKey = TradeLogKey(account: account, symbol: spec.symbol)
        tradeLogs[logKey, default: BoundedLog(capacity: configuration.tradeHistory)].append(fill)
    }

    /// Releases what an open order holds beyond its remaining need: ⌈price × remaining⌉ quote
    /// for a BUY (price improvement and rounding leave some over), the remaining base for a
    /// SELL.
    mutating func trimLock(_ state: inout SymbolState, _ orderId: Int64) {
        let spec = state.spec
        var live = state.open[orderId]!
        let target: Int64?
        if live.order.side == .buy {
            let shift =
                Int(spec.priceExponent) + Int(spec.quantityExponent) - Int(ledger.exponent(of: spec.quoteAsset))
            target = ScaledMath.product(live.price, live.remaining, shift: shift, rounding: .up)
        } else {
            let shift = Int(spec.quantityExponent) - Int(ledger.exponent(of: spec.baseAsset))
            target = ScaledMath.widen(live.remaining, by: shift)
        }
        guard let target, target <= live.locked else { preconditionFailure("order \(orderId) is under-locked") }
        ledger.unlock(
            live.order.account, live.order.side == .buy ? spec.quoteAsset : spec.baseAsset, live.locked - target)
        live.locked = target
        state.open[orderId] = live
    }

    /// Removes an order from the open set (not from the book), releases its remaining lock and
    /// files it in the closed history; returns it as closed.
    @discardableResult
    mutating func close(_ state: inout SymbolState, _ orderId: Int64) -> VenueOrder {
        var live = state.open.removeValue(forKey: orderId)!
        let spec = state.spec
        ledger.unlock(live.order.account, live.order.side == .buy ? spec.quoteAsset : spec.baseAsset, live.locked)
        live.order.isWorking = false
        let key = ClientKey(account: live.order.account, clientOrderId: live.order.clientOrderId)
        if state.openByClient[key] == orderId { state.openByClient[key] = nil }
        state.closed.insert(live.order)
        return live.order
    }

    /// The NEW report of an accepted order.
    func newReport(_ order: VenueOrder, executionId: Int64, now: Int64) -> ExecutionReport {
        statusReport(order, .new, executionId: executionId, now: now)
    }

    /// A report without a fill (NEW, EXPIRED, CANCELED).
    func statusReport(
        _ order: VenueOrder, _ type: VenueExecutionType, executionId: Int64, now: Int64,
        clientOrderId: String? = nil, originalClientOrderId: String? = nil
    ) -> ExecutionReport {
        let quoteExponent = order.cumulativeQuoteQty.exponent
        return ExecutionReport(
            order: order, executionType: type, clientOrderId: clientOrderId ?? order.clientOrderId,
            originalClientOrderId: originalClientOrderId, executionId: executionId, transactTime: now,
            lastQty: Quantity(mantissa: 0, exponent: order.origQty.exponent),
            lastPrice: Price(mantissa: 0, exponent: order.price.exponent),
            lastQuoteQty: Quantity(mantissa: 0, exponent: quoteExponent),
            commission: Quantity(mantissa: 0, exponent: quoteExponent), commissionAsset: nil, tradeId: -1,
            isMaker: false, isShadowFill: false)
    }

    /// The events of a call, in publication order: execution reports, account positions,
    /// public trades, then the depth update and book ticker of a live book.
    mutating func publish(_ output: CallOutput, state: inout SymbolState, now: Int64) -> [VenueEvent] {
        var events = output.executions.map(VenueEvent.execution)
        events += ledger.drainPositions(time: now).map(VenueEvent.accountPosition)
        events += output.trades.map(VenueEvent.trade)
        if state.replay == nil, let (depth, ticker) = state.book.publish(time: now) {
            events.append(.depth(depth))
            if let ticker { events.append(.bookTicker(ticker)) }
        }
        return events
    }
}

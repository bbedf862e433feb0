import EngineModel

extension MatchingEngine {
    /// Replaces a shadow symbol's replayed book with a recorded snapshot (`lastUpdateId`,
    /// levels best first or in any order). Publishes nothing for the book itself; returns the
    /// fills of resting user orders the new book crosses.
    ///
    /// - Precondition: the symbol was listed in `.shadow` mode.
    public mutating func loadReplaySnapshot(
        symbol: String, _ snapshot: DepthSnapshot, now: Int64
    ) throws(VenueError) -> [VenueEvent] {
        try withReplay(symbol) { (engine, state) throws(VenueError) in
            state.replay!.reset(lastUpdateId: snapshot.lastUpdateId)
            try engine.setLevels(&state, bids: snapshot.bids, asks: snapshot.asks)
            state.replay!.book.discardChanges()
            return engine.crossRestingOrders(&state, now: now)
        }
    }

    /// Applies one recorded diff to a shadow symbol's replayed book: absolute quantities, zero
    /// removes a level. Publishes the depth update under the recording's `U`/`u` (and a book
    /// ticker when the top moved), after the fills of resting user orders the book now crosses.
    ///
    /// - Precondition: the symbol was listed in `.shadow` mode.
    public mutating func applyReplayUpdate(
        symbol: String, bids: [BookLevel], asks: [BookLevel], firstUpdateId: Int64, lastUpdateId: Int64, now: Int64
    ) throws(VenueError) -> [VenueEvent] {
        try withReplay(symbol) { (engine, state) throws(VenueError) in
            try engine.setLevels(&state, bids: bids, asks: asks)
            var events = engine.crossRestingOrders(&state, now: now)
            let published = state.replay!.book.publish(
                time: now, firstUpdateId: firstUpdateId, lastUpdateId: lastUpdateId)
            if let (depth, ticker) = published {
                events.append(.depth(depth))
                if let ticker { events.append(.bookTicker(ticker)) }
            }
            return events
        }
    }

    /// Sets one level of a shadow symbol's replayed book from a recording, as update
    /// `updateId`; see `applyReplayUpdate`.
    public mutating func setLevel(
        symbol: String, side: Side, price: Price, quantity: Quantity, updateId: Int64, now: Int64
    ) throws(VenueError) -> [VenueEvent] {
        let level = [BookLevel(price: price, quantity: quantity)]
        return try applyReplayUpdate(
            symbol: symbol, bids: side == .buy ? level : [], asks: side == .sell ? level : [], firstUpdateId: updateId,
            lastUpdateId: updateId, now: now)
    }

    /// Runs `body` on a shadow symbol's state.
    private mutating func withReplay(
        _ symbol: String, _ body: (inout MatchingEngine, inout SymbolState) throws(VenueError) -> [VenueEvent]
    ) throws(VenueError) -> [VenueEvent] {
        let key = try symbolKey(symbol)
        var state = symbols.removeValue(forKey: key)!
        defer { symbols[key] = state }
        precondition(state.replay != nil, "\(key) is not in shadow mode")
        return try body(&self, &state)
    }

    /// Writes recorded levels into the replayed book; a price or quantity not exact at the
    /// symbol's exponents is refused with its filter's error before anything changes.
    private func setLevels(_ state: inout SymbolState, bids: [BookLevel], asks: [BookLevel]) throws(VenueError) {
        var converted: [(Side, Int64, Int64)] = []
        for (side, levels) in [(Side.buy, bids), (.sell, asks)] {
            for level in levels {
                guard let price = try? level.price.rescaled(to: state.spec.priceExponent).mantissa, price > 0 else {
                    throw .filterFailure(.priceFilter)
                }
                guard let quantity = try? level.quantity.rescaled(to: state.spec.quantityExponent).mantissa else {
                    throw .filterFailure(.lotSize)
                }
                converted.append((side, price, quantity))
            }
        }
        for (side, price, quantity) in converted { state.replay!.set(side, price: price, quantity: quantity) }
    }

    /// Fills resting user orders that the replayed book now crosses, as makers at their own
    /// price, against the liquidity that crosses them; returns the reports and positions.
    private mutating func crossRestingOrders(_ state: inout SymbolState, now: Int64) -> [VenueEvent] {
        var output = CallOutput()
        for side in [Side.buy, .sell] {
            while let resting = state.book.bestFront(side), let contra = state.replay!.bestAvailable(side.opposite),
                SymbolState.crosses(side, contra.price, limit: resting.price)
            {
                let amount = min(resting.order.remaining, contra.available)
                _ = state.book.fillBest(side, amount: amount)
                state.replay!.consume(side.opposite, price: contra.price, quantity: amount)
                let tradeId = state.takeTradeId()
                settle(
                    &state, orderId: resting.order.orderId, price: resting.price, amount: amount, isMaker: true,
                    tradeId: tradeId, shadow: true, now: now, output: &output)
                state.lastTradePrice = resting.price
                finishMaker(&state, resting.order.orderId)
            }
        }
        return publish(output, state: &state, now: now)
    }
}

import EngineModel

// Fills, funding, marks and the venue's USD-M positions: everything that moves a position or PnL.

extension AccountBook {
    /// Counts a new fill: the order's executions, the position (average cost), realized PnL and
    /// the fee in the quote asset. A fill already seen changes nothing.
    mutating func applyFill(_ fill: Fill, into changes: inout [AccountChange]) -> Bool {
        guard seenTradeKeys.insert(fill.key).inserted else { return false }
        executionRings[fill.clientOrderId, default: ExecutionRing(capacity: settings.executionRingCapacity)]
            .append(ExecutionFill(fill))
        let key = PositionKey(strategyId: fill.strategyId, symbol: fill.symbol)
        var (entry, size) = position(key, exponent: fill.quantity.exponent)
        let step = PositionMath.apply(
            side: fill.side, price: fill.price, quantity: fill.quantity, to: size, average: entry.entryPrice)
        size = step.size
        entry.market = fill.market
        entry.size = size
        entry.entryPrice = step.average
        entry.realizedPnl += step.realized
        entry.updatedNs = fill.venueNs
        var tally = strategyPnL[key.strategyId, default: PnLTrack()]
        tally.summary.realizedPnl += step.realized
        totalPnL.summary.realizedPnl += step.realized
        if !step.closed.isZero {
            tally.countClosing(won: step.realized > .zero)
            totalPnL.countClosing(won: step.realized > .zero)
        }
        let base = fill.baseAsset.isEmpty ? settings.symbols[fill.symbol]?.baseAsset : fill.baseAsset
        if let fee = convert(fill.fee, of: fill.feeAsset, base: base, at: fill.price) {
            entry.feesPaid += fee
            tally.summary.feesPaid += fee
            totalPnL.summary.feesPaid += fee
        } else {
            unconvertedFees[fill.feeAsset, default: .zero] += fill.fee
        }
        strategyPnL[key.strategyId] = tally
        revalue(&entry, size)
        store(entry, size: size)
        changes.append(.fill(fill))
        changes.append(.position(entry))
        return true
    }

    /// Counts a funding payment once per key: into the PnL's funding and the funding of strategy
    /// 0's position in the symbol (funding is the account's, not any one strategy's, so it is not
    /// spread over the strategies holding the symbol).
    mutating func applyFunding(_ payment: FundingPayment, into changes: inout [AccountChange]) -> Bool {
        guard seenFundingKeys.insert(payment.key).inserted else { return false }
        guard let amount = convert(payment.amount, of: payment.asset, base: nil, at: nil) else {
            unconvertedFunding[payment.asset, default: .zero] += payment.amount
            return false
        }
        let key = PositionKey(strategyId: 0, symbol: payment.symbol)
        var (entry, size) = position(key, exponent: 0)
        if positions[key] == nil, settings.symbols[payment.symbol] == nil { entry.market = .usdm }
        entry.funding += amount
        entry.updatedNs = payment.venueNs
        store(entry, size: size)
        strategyPnL[0, default: PnLTrack()].summary.funding += amount
        totalPnL.summary.funding += amount
        changes.append(.position(entry))
        return true
    }

    /// A new mark: every position of the symbol is valued at it.
    mutating func applyMark(_ symbol: String, _ price: Price, into changes: inout [AccountChange]) -> Bool {
        marks[symbol] = price
        var touched = false
        for strategy in strategiesBySymbol[symbol] ?? [] {
            let key = PositionKey(strategyId: strategy, symbol: symbol)
            guard var entry = positions[key], let size = signedSizes[key] else { continue }
            let old = entry
            revalue(&entry, size)
            guard entry != old else { continue }
            store(entry, size: size)
            changes.append(.position(entry))
            touched = true
        }
        return touched
    }

    /// The venue's account-wide USD-M position: stored as it is, and its leverage, liquidation
    /// price and mark copied onto the symbol's per-strategy positions.
    mutating func applyVenuePosition(_ update: PositionUpdate, into changes: inout [AccountChange]) -> Bool {
        let symbol = update.symbol
        if venuePositions.updateValue(update, forKey: symbol) != update {
            changes.append(.venuePosition(update))
        }
        if let mark = update.markPrice { marks[symbol] = mark }
        var touched = false
        for strategy in strategiesBySymbol[symbol] ?? [] {
            let key = PositionKey(strategyId: strategy, symbol: symbol)
            guard var entry = positions[key], let size = signedSizes[key] else { continue }
            let old = entry
            entry.leverage = update.leverage ?? entry.leverage
            entry.liquidationPrice = update.liquidationPrice.map(Amount.init) ?? entry.liquidationPrice
            revalue(&entry, size)
            guard entry != old else { continue }
            store(entry, size: size)
            changes.append(.position(entry))
            touched = true
        }
        return touched
    }

    /// Values a position at its symbol's last mark: mark price, unrealized PnL and, when the
    /// leverage is known, `marginUsed = |size| × mark / leverage`. Without a mark, nothing moves.
    func revalue(_ entry: inout PositionEntry, _ size: SignedSize) {
        guard let mark = marks[entry.key.symbol] else { return }
        entry.markPrice = Amount(mark)
        entry.unrealizedPnl = PositionMath.unrealized(size: size, average: entry.entryPrice, mark: mark)
        if let leverage = entry.leverage, leverage > 0 {
            entry.marginUsed = Amount.notional(mark, size.magnitude).scaled(by: 1, over: Int64(leverage))
        }
    }

    /// `amount` of `asset` in the quote asset: as it is when it is the quote asset; at `price`
    /// when it is the fill's base asset; at the last mark of "\(asset)\(quote)" otherwise; nil when
    /// none of these applies.
    func convert(_ amount: Amount, of asset: String, base: String?, at price: Price?) -> Amount? {
        let quote = settings.quoteAsset
        if asset == quote { return amount }
        if let price, asset == base { return PositionMath.value(amount, at: price) }
        if let mark = marks[asset + quote] { return PositionMath.value(amount, at: mark) }
        return nil
    }
}

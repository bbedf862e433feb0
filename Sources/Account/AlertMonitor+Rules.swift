import EngineModel

// The conditions `AlertMonitor.evaluate` checks, computed from one snapshot. Each has a key — the
// rule, and the symbol for per-symbol rules — by which the monitor raises it once and re-arms it.

extension AlertMonitor {
    /// One condition that holds now.
    struct Condition {
        var key: String
        var rule: String
        var severity: Alert.Severity
        var category: Alert.Category
        var message: String
    }

    /// A symbol's net size and its value at the mark.
    struct Exposure {
        var symbol: String
        var size: Amount
        var mark: Amount
        /// |size × mark|.
        var notional: Amount
    }

    /// Every condition that holds, in rule order, per-symbol rules by symbol.
    static func conditions(
        _ snapshot: AccountSnapshot, limits: AlertLimits, now: Int64, openOrders: Int, lastExecutionNs: Int64?
    ) -> [Condition] {
        var holding: [Condition] = []
        func add(_ key: String, _ rule: String, _ severity: Alert.Severity, _ category: Alert.Category, _ text: String)
        {
            holding.append(Condition(key: key, rule: rule, severity: severity, category: category, message: text))
        }
        let daily = snapshot.pnl.dailyPnl
        if let limit = limits.maxDailyDrawdown, daily < -limit {
            add("daily_drawdown", "daily_drawdown", .error, .pnl, "daily PnL \(daily) is below -\(limit)")
        }
        if let limit = limits.minMarginRatioBps, let ratio = marginRatioBps(snapshot, asset: limits.marginAsset),
            ratio < limit
        {
            add("margin_ratio", "margin_ratio", .error, .risk, "margin ratio \(ratio) bps is below \(limit) bps")
        }
        let exposures = exposures(snapshot)
        if let limit = limits.maxPositionNotional {
            for exposure in exposures where exposure.notional > limit {
                add(
                    "position_size:\(exposure.symbol)", "position_size", .warning, .position,
                    "\(exposure.symbol) position \(exposure.size) at \(exposure.mark) is worth \(exposure.notional), "
                        + "above \(limit)")
            }
        }
        let total = exposures.reduce(Amount.zero) { $0 + $1.notional }
        if let limit = limits.maxTotalExposure, total > limit {
            add("total_exposure", "total_exposure", .warning, .risk, "total exposure \(total) is above \(limit)")
        }
        for (symbol, mark, liquidation) in liquidationLevels(snapshot) {
            let distance = bps((mark - liquidation).magnitude, of: mark)
            guard distance < limits.liquidationProximityBps else { continue }
            add(
                "liquidation_proximity:\(symbol)", "liquidation_proximity", .critical, .position,
                "\(symbol) mark \(mark) is \(distance) bps from its liquidation price \(liquidation)")
        }
        if openOrders > 0, let last = lastExecutionNs, now - last > limits.quietExecutionNs {
            add(
                "execution_quiet", "execution_quiet", .warning, .system,
                "\(openOrders) order(s) open and no execution report for \((now - last) / 1_000_000) ms")
        }
        return holding
    }

    /// Each symbol's net size over every strategy — the venue's own size when the snapshot has its
    /// USD-M view of the symbol (account-wide, external trades included) — valued at its mark (the
    /// venue's, else the book's, else the entry price), sorted by symbol. Symbols without any price
    /// are left out.
    static func exposures(_ snapshot: AccountSnapshot) -> [Exposure] {
        var sizes: [String: Amount] = [:]
        var marks: [String: Amount] = [:]
        var entries: [String: Amount] = [:]
        for entry in snapshot.positions.values {
            let symbol = entry.key.symbol
            sizes[symbol, default: .zero] += Amount(mantissa: entry.size.mantissa, exponent: entry.size.exponent)
            if let mark = entry.markPrice { marks[symbol] = mark }
            if let price = entry.entryPrice { entries[symbol] = price }
        }
        for (symbol, venue) in snapshot.venuePositions {
            sizes[symbol] = Amount(mantissa: venue.size.mantissa, exponent: venue.size.exponent)
            if let mark = venue.markPrice { marks[symbol] = Amount(mark) }
            if venue.entryPrice.mantissa != 0 { entries[symbol] = Amount(venue.entryPrice) }
        }
        return sizes.keys.sorted().compactMap { symbol in
            guard let size = sizes[symbol], let mark = marks[symbol] ?? entries[symbol] else { return nil }
            let notional = mark.scaled(by: size.e8, over: 100_000_000).magnitude
            return Exposure(symbol: symbol, size: size, mark: mark, notional: notional)
        }
    }

    /// (symbol, mark, liquidation price) of every open USD-M position that has both, sorted by
    /// symbol: the venue's figures when it gave them, else the book's. A liquidation price of zero
    /// (the venue's "none") is left out.
    static func liquidationLevels(_ snapshot: AccountSnapshot) -> [(String, Amount, Amount)] {
        var levels: [String: (Amount, Amount)] = [:]
        for entry in snapshot.positions.values.sorted(by: { $0.key < $1.key })
        where entry.market == .usdm && !entry.size.isFlat {
            guard let mark = entry.markPrice, let liquidation = entry.liquidationPrice, liquidation > .zero else {
                continue
            }
            levels[entry.key.symbol] = levels[entry.key.symbol] ?? (mark, liquidation)
        }
        for (symbol, venue) in snapshot.venuePositions where !venue.size.isFlat {
            guard let mark = venue.markPrice, let liquidation = venue.liquidationPrice, liquidation.mantissa > 0 else {
                continue
            }
            levels[symbol] = (Amount(mark), Amount(liquidation))
        }
        return levels.keys.sorted().compactMap { symbol in levels[symbol].map { (symbol, $0.0, $0.1) } }
    }

    /// The USD-M margin ratio in basis points: equity (the margin asset's total plus the positions'
    /// unrealized PnL) over the margin in use (Σ `marginUsed`, |size| × mark / leverage). Nil when no
    /// margin is in use or the margin asset's balance is unknown.
    ///
    /// This is the engine's own figure from what the snapshot holds; the venue's margin ratio uses
    /// maintenance margin rates it alone knows, and would need its account figures in the snapshot.
    static func marginRatioBps(_ snapshot: AccountSnapshot, asset: String) -> Int? {
        let open = snapshot.positions.values.filter { $0.market == .usdm && !$0.size.isFlat }
        let used = open.reduce(Amount.zero) { $0 + ($1.marginUsed ?? .zero) }
        guard used > .zero, let wallet = snapshot.balances[asset]?.total else { return nil }
        let equity = open.reduce(wallet) { $0 + $1.unrealizedPnl }
        return bps(equity, of: used)
    }

    /// part × 10000 / |whole|, truncated toward zero (0 when whole is 0): a distance, a ratio.
    static func bps(_ part: Amount, of whole: Amount) -> Int {
        guard whole != .zero else { return 0 }
        let ratio = Int128(part.e8) * 10_000 / Int128(whole.e8.magnitude)
        return Int(clamping: ratio)
    }
}

// Daily PnL, win rate and drawdown: the figures of a PnLSummary that depend on history rather than
// on the positions alone. Every figure is fixed point; nothing here uses floating point.

/// One strategy's (or the whole account's) PnL and the history its derived figures need.
struct PnLTrack: Sendable, Hashable {
    /// What the snapshot shows.
    var summary = PnLSummary()
    /// The total at the start of the current UTC day.
    var dayStart: Amount = .zero
    /// The highest total so far (the total before any trading is zero).
    var peak: Amount = .zero
    /// The peak the deepest drawdown fell from.
    var peakAtMaxDrawdown: Amount = .zero

    /// Counts a fill that reduced a position.
    mutating func countClosing(won: Bool) {
        summary.closingTrades += 1
        if won { summary.winningTrades += 1 }
    }

    /// Brings daily PnL, the peak, the drawdown and the win rate up to date with the total.
    mutating func refresh(equityBase: Amount?) {
        let total = summary.totalPnl
        summary.dailyPnl = total - dayStart
        if total > peak { peak = total }
        let drawdown = peak - total
        if drawdown > summary.maxDrawdown {
            summary.maxDrawdown = drawdown
            peakAtMaxDrawdown = peak
        }
        if let equityBase, (equityBase + peakAtMaxDrawdown) > .zero {
            summary.maxDrawdownBps = Self.bps(summary.maxDrawdown.e8, over: (equityBase + peakAtMaxDrawdown).e8)
        } else {
            summary.maxDrawdownBps = nil
        }
        summary.winRateBps =
            summary.closingTrades == 0
            ? nil : Self.bps(Int64(summary.winningTrades), over: Int64(summary.closingTrades))
    }

    /// Starts a new UTC day at the current total; whether daily PnL moved.
    mutating func startDay() -> Bool {
        dayStart = summary.totalPnl
        let moved = summary.dailyPnl != .zero
        summary.dailyPnl = .zero
        return moved
    }

    /// `part / whole` in basis points, rounded half away from zero.
    static func bps(_ part: Int64, over whole: Int64) -> Int {
        Int(Amount.narrow(Amount.divideRounded(Int128(part) * 10_000, by: Int128(whole))))
    }
}

extension AccountBook {
    /// Nanoseconds in a UTC day.
    static let dayNs: Int64 = 86_400 * 1_000_000_000

    /// Rolls daily PnL over when `now` has entered a new UTC day (the first event starts the first
    /// day); whether some daily figure moved.
    mutating func rollDay() -> Bool {
        let today = now >= 0 ? now / Self.dayNs : (now + 1) / Self.dayNs - 1
        guard let day else {
            day = today
            return false
        }
        guard today > day else { return false }
        self.day = today
        var moved = totalPnL.startDay()
        forEachStrategy { moved = $0.startDay() || moved }
        return moved
    }

    /// Refreshes the derived figures of every strategy and of the whole account.
    mutating func refreshPnL() {
        let base = equityBase
        forEachStrategy { $0.refresh(equityBase: base) }
        totalPnL.refresh(equityBase: base)
    }

    /// Mutates every strategy's track in place (walking indices, not a copy of the keys, so the
    /// dictionary is never copied).
    mutating func forEachStrategy(_ body: (inout PnLTrack) -> Void) {
        var index = strategyPnL.values.startIndex
        while index != strategyPnL.values.endIndex {
            body(&strategyPnL.values[index])
            strategyPnL.values.formIndex(after: &index)
        }
    }

    /// The PnL of each strategy (0: manual and external orders, and funding).
    public var pnlByStrategy: [UInt32: PnLSummary] { strategyPnL.mapValues(\.summary) }

    /// The whole account's PnL.
    public var pnl: PnLSummary { totalPnL.summary }
}

import EngineModel

// Reconciliation (seed 002 FR-AM-004, seed 001 "Reconciliation Service"): the engine's account
// against the venue's, the venue being the source of truth. Pure: it returns a report and the
// correction events; the account processor applies them, the ledger aligns, the alert monitor and
// the risk switch read the report.

/// Compares the engine's account with the venue's and says what to correct.
public enum Reconciler {
    /// Compares `local` with `venue` for one market.
    ///
    /// 1. Trades: a venue trade whose key is not in `seenTradeKeys` is a missing fill, taken in as a
    ///    `.fill` correction and counted in `missingFills` — not a discrepancy by itself.
    /// 2. Balances: each asset's total (free + locked) over the union of both sides' assets; a
    ///    difference is a "balance" discrepancy and a `.balance` correction (source `.reconciliation`)
    ///    to the venue's figures, zero for an asset the venue no longer lists. The engine's balances
    ///    come only from the venue, so a fill it has not seen yet does not excuse a balance difference.
    /// 3. USD-M positions: each symbol's size summed over the strategies of `local.positions`, plus
    ///    the missing fills of step 1, against the venue's (a symbol it does not list is flat); a
    ///    difference is a "position" discrepancy and a `.position` correction (the venue's update). The
    ///    applier should make the symbol's positions sum to it, e.g. by putting what the fills do not
    ///    explain on strategy 0 (manual and external). Spot has no venue position: skipped.
    /// 4. Open orders: an order open in the engine the venue does not list, or open at the venue and
    ///    unknown to the engine, is an "order" discrepancy (10000 bps) without a correction: the order
    ///    path asks the venue about it.
    ///
    /// `differenceBps` is |venue − local| × 10000 / max(|venue|, |local|), rounded half away from zero
    /// (0 when both are 0). The report exceeds the threshold when a balance or position discrepancy is
    /// above `thresholdBps`, or the venue has an open order the engine does not know.
    ///
    /// - Returns: the report (`durationNs` 0: the caller times the fetch and the comparison) and the
    ///   corrections in the order to apply them: fills, then balances (by asset), then positions (by
    ///   symbol). Applying them and comparing again with the same venue state finds nothing.
    public static func compare(
        local: AccountSnapshot, seenTradeKeys: Set<String>, venue: VenueAccountState, market: MarketKind,
        thresholdBps: Int = 500, now: Int64
    ) -> (report: ReconciliationReport, corrections: [AccountEvent]) {
        let missing = missingFills(venue.trades, seen: seenTradeKeys)
        var discrepancies: [Discrepancy] = []
        var corrections: [AccountEvent] = missing.map { .fill($0) }
        let balances = compareBalances(local: local, venue: venue)
        discrepancies += balances.discrepancies
        corrections += balances.corrections
        var positionsChecked = 0
        if market == .usdm {
            let positions = comparePositions(local: local, venue: venue, missing: missing)
            positionsChecked = positions.checked
            discrepancies += positions.discrepancies
            corrections += positions.corrections
        }
        let orders = compareOrders(local: local, venue: venue)
        discrepancies += orders.discrepancies
        let exceeded =
            orders.unknownAtVenue > 0
            || discrepancies.contains {
                ($0.kind == "balance" || $0.kind == "position") && $0.differenceBps > thresholdBps
            }
        let report = ReconciliationReport(
            timestamp: now, positionsChecked: positionsChecked, balancesChecked: balances.checked,
            ordersChecked: orders.checked, tradesChecked: venue.trades.count, missingFills: missing.count,
            discrepancies: discrepancies, exceededThreshold: exceeded, durationNs: 0)
        return (report, corrections)
    }

    /// The venue trades not in `seen`, each once, oldest first (venue time, then trade id).
    static func missingFills(_ trades: [Fill], seen: Set<String>) -> [Fill] {
        var taken = seen
        var missing: [Fill] = []
        for trade in trades where !taken.contains(trade.key) {
            taken.insert(trade.key)
            missing.append(trade)
        }
        return missing.sorted { ($0.venueNs, $0.venue, $0.tradeId) < ($1.venueNs, $1.venue, $1.tradeId) }
    }

    /// |venue − local| × 10000 / max(|venue|, |local|), rounded half away from zero; 0 when both are 0.
    public static func differenceBps(local: Amount, venue: Amount) -> Int {
        let scale = max(Int128(local.e8.magnitude), Int128(venue.e8.magnitude))
        guard scale > 0 else { return 0 }
        let difference = (Int128(venue.e8) - Int128(local.e8)).magnitude
        return Int(Amount.divideRounded(Int128(difference) * 10_000, by: scale))
    }
}

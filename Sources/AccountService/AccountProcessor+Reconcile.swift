import Account
import EngineModel
import Foundation
import Logging

/// A venue's account handed to the processor thread, and the caller waiting for the report.
struct ReconcileRequest: Sendable {
    var venue: VenueAccountState
    var startedNs: Int64
    /// The first round after a start: when the engine started (the recovery is timed to here).
    var recoveryStartedNs: Int64?
    var done: @Sendable (ReconciliationReport) -> Void
}

extension AccountProcessor {
    /// Compares the account with the venue's on the processor thread: missing fills are taken in
    /// (each exactly once), balances and positions set to the venue's, the ledger aligned to the
    /// venue's balances; the report is recorded, and a mismatch above the threshold halts trading
    /// through the kill switch. Returns when done.
    /// With `recoveryStartedNs` (the first round after a start), the time from the start to the
    /// account agreeing with the venue is the recovery time, alerted above 10 s.
    public func reconcile(
        with venue: VenueAccountState, startedNs: Int64, recoveryStartedNs: Int64? = nil
    ) async -> ReconciliationReport {
        await withCheckedContinuation { (continuation: CheckedContinuation<ReconciliationReport, Never>) in
            let request = ReconcileRequest(venue: venue, startedNs: startedNs, recoveryStartedNs: recoveryStartedNs) {
                continuation.resume(returning: $0)
            }
            requests.withLock { $0.append(request) }
        }
    }

    /// The last reconciliation's report.
    public var latestReport: ReconciliationReport? { reportLock.withLock { $0 } }

    func serveReconciliations(now: Int64) -> Bool {
        let pending = requests.withLock { list in
            defer { list = [] }
            return list
        }
        for request in pending { request.done(reconcileNow(request, now: now)) }
        return !pending.isEmpty
    }

    private func reconcileNow(_ request: ReconcileRequest, now: Int64) -> ReconciliationReport {
        // Fold what the journal already holds first: a fill the stream delivered is not "missing".
        _ = drain(now: now)
        // Trades the stream did not deliver come first (the venue's balances already include
        // them): taken in once each, attributed to our order by its venue id.
        let missing = request.venue.trades.filter { !book.hasSeen(tradeKey: $0.key) }
            .sorted { ($0.venueNs, $0.tradeId) < ($1.venueNs, $1.tradeId) }
        for var fill in missing {
            if let order = mapper.orders.order(venueOrderId: fill.venueOrderId) {
                fill.clientOrderId = order.clientOrderId
                fill.strategyId = order.strategyId
            }
            logger.warning(
                "reconciliation: a fill the stream did not deliver, taken in",
                metadata: ["trade_id": "\(fill.tradeId)", "symbol": "\(fill.symbol)"])
            apply(.fill(fill), seq: 0)
        }
        // An asset the account has never seen is an opening balance, not a mismatch (the first
        // reconciliation after a start brings every balance).
        let known = book.snapshot().balances
        for balance in request.venue.balances where known[balance.asset] == nil {
            apply(.balance(balance), seq: 0)
        }
        var (report, corrections) = Reconciler.compare(
            local: book.snapshot(), seenTradeKeys: book.seenTradeKeys, venue: request.venue,
            market: settings.market, thresholdBps: settings.thresholdBps, now: now)
        report.missingFills = missing.count
        for correction in corrections { apply(correction, seq: 0) }
        // The ledger equals the venue after every reconciliation, whatever the book already held.
        for balance in request.venue.balances {
            let postings = ledger.align(
                market: settings.market, asset: balance.asset, venueTotal: balance.free + balance.locked,
                eventKey: "\(settings.venue):recon:\(request.venue.fetchedNs)", ns: request.venue.fetchedNs)
            if !postings.isEmpty { recorder?.submit(.postings(postings)) }
        }
        report.durationNs = max(0, clock() - request.startedNs)
        if let start = request.recoveryStartedNs {
            let took = clock() - start
            logger.notice("account agrees with the venue after the start", metadata: ["ms": "\(took / 1_000_000)"])
            if let alert = monitor.recovery(durationNs: took, now: now) { raise(alert) }
        }
        for discrepancy in report.discrepancies {
            logger.warning(
                "reconciliation mismatch: \(discrepancy.kind) \(discrepancy.symbol) local \(discrepancy.localSize) venue \(discrepancy.exchangeSize)",
                metadata: ["detail": "\(discrepancy.detail)", "difference_bps": "\(discrepancy.differenceBps)"])
        }
        mismatchesTotal += report.mismatchesFound
        alertLog.addMismatches(report.mismatchesFound)
        // Open here, not at the venue: the order path asks the venue what became of each.
        let lost = report.discrepancies.filter { $0.kind == "order" && $0.exchangeSize == .zero }.map(\.symbol)
        if !lost.isEmpty, let ask = askVenue.withLock({ $0 }) { ask(lost) }
        recorder?.submit(.report(report))
        if let alert = monitor.reconciliation(report) { raise(alert) }
        if report.exceededThreshold, let killSwitch {
            let reason = "reconciliation mismatch above \(settings.thresholdBps) bps; `engine risk resume` after checking"
            if killSwitch.current.state != .halted {
                killSwitch.set(.halted, reason: reason, now: now)
                logger.critical("trading halted: \(reason)")
            }
        }
        publish(now: now)
        flush()
        reportLock.withLock { $0 = report }
        return report
    }
}

import Account
import EngineKit
import EngineModel
import Foundation
import Logging
import Recorder
import Trading

extension AccountProcessor {
    /// Applies one event to the book, the ledger and the recorder.
    func apply(_ event: AccountEvent, seq: UInt64) {
        var event = event
        if case .order(var order) = event {
            // Journal numbers restart with every engine generation: an order's updates are ordered
            // by the processor's own count instead, which continues from what the recorder holds.
            orderSeq += 1
            order.lastEventSeq = orderSeq
            event = .order(order)
        }
        let changes = book.apply(event, seq: seq)
        guard !changes.isEmpty else { return }
        for change in changes {
            switch change {
            case .fill(let fill):
                recorder?.submit(.fill(fill))
                let postings = ledger.record(fill)
                if !postings.isEmpty { recorder?.submit(.postings(postings)) }
            case .order(let order), .orderClosed(let order):
                recorder?.submit(.order(order, ns: order.lastUpdateNs))
            case .balance(let balance):
                let postings = ledger.align(
                    market: settings.market, asset: balance.asset, venueTotal: balance.total,
                    eventKey: "\(settings.venue):balance:\(balance.asset):\(balance.updatedNs)", ns: balance.updatedNs)
                if !postings.isEmpty { recorder?.submit(.postings(postings)) }
            case .position, .venuePosition, .pnl, .heartbeat:
                break
            }
        }
        if case .funding(let payment) = event {
            let postings = ledger.record(payment)
            if !postings.isEmpty { recorder?.submit(.postings(postings)) }
        }
        broadcaster.publish(changes, version: book.version)
        dirty = true
    }

    /// Shows the latest snapshot in this process and in the `account` segment.
    func publish(now: Int64) {
        let snapshot = book.snapshot()
        let risk = killSwitch?.current
        let riskMoved = risk.map { $0.sinceNs != publishedRiskNs } ?? false
        guard snapshot.version > store.version || riskMoved else { return }
        store.publish(snapshot)
        var view = AccountViews.view(of: snapshot, quoteAsset: settings.quoteAsset)
        // The segment's version is its own: it also moves when only the kill switch did.
        segmentVersion += 1
        view.version = segmentVersion
        if let risk {
            view.risk = AccountRiskView(
                state: AccountRiskView.State(rawValue: UInt8(KillSwitch.State.allCases.firstIndex(of: risk.state)!))!,
                sinceNs: risk.sinceNs, reason: risk.reason)
            publishedRiskNs = risk.sinceNs
        }
        do { try segment?.publish(view) } catch {
            logger.error("account segment: \(error)")
        }
        var net = Array(repeating: Int64(0), count: settings.instruments.count)
        for (index, instrument) in settings.instruments.enumerated() {
            for (key, position) in snapshot.positions where key.symbol == instrument.symbol {
                net[index] += position.size.mantissa
            }
        }
        setNetPositions(net)
    }

    /// Marks, alerts, snapshots for the recorder, and the recorder's flush, each on its own period.
    func periodic(now: Int64) -> Bool {
        var worked = false
        if now >= nextMark {
            nextMark = now + settings.markIntervalNs
            let snapshot = book.snapshot()
            for (index, instrument) in settings.instruments.enumerated()
            where snapshot.positions.keys.contains(where: { $0.symbol == instrument.symbol }) {
                if let mark = marks(index) {
                    apply(.mark(symbol: instrument.symbol, price: mark, ns: now), seq: 0)
                }
            }
            _ = book.apply(.clock(ns: now), seq: 0)
            publish(now: now)
        }
        if now >= nextAlerts {
            nextAlerts = now + settings.alertIntervalNs
            // Orders waiting for the venue's word (a resting order is quiet by nature).
            let waiting: Set<String> = ["pending_submit", "cancel_pending", "unknown"]
            let snapshot = book.snapshot()
            let open = snapshot.orders.values.filter { $0.isOpen && waiting.contains($0.status) }.count
            for alert in monitor.evaluate(snapshot, now: now, openOrders: open, lastExecutionNs: lastExecutionNs) {
                raise(alert)
            }
        }
        if now >= nextSnapshot {
            nextSnapshot = now + settings.snapshotIntervalNs
            if dirty, let recorder {
                let snapshot = book.snapshot()
                recorder.submit(.balances(Array(snapshot.balances.values), ns: now))
                recorder.submit(.positions(Array(snapshot.positions.values), ns: now))
            }
        }
        if now >= nextFlush {
            nextFlush = now + settings.flushIntervalNs
            if dirty {
                flush()
                dirty = false
                worked = true
            }
        }
        return worked
    }

    /// Waits for the recorder to store everything handed to it, then marks the journal consumed.
    func flush() {
        let seq = mapper.orders.lastSeq
        if let recorder {
            recorder.submit(.journalMark(generation: journal.segment.generation, seq: seq))
            do { try recorder.flush() } catch {
                logger.error("recorder: \(error); the journal is not marked consumed past \(recorded)")
                return
            }
        }
        recorded = seq
        consumption.map { $0.shared.consumed($0.index, upTo: seq) }
    }

    /// Logs, records and broadcasts an alert.
    func raise(_ alert: Alert) {
        let level: Logger.Level = alert.severity == .critical || alert.severity == .error ? .error : .warning
        logger.log(level: level, "alert: \(alert.message)", metadata: ["rule": "\(alert.rule)", "id": "\(alert.id)"])
        recorder?.submit(.alert(alert))
        alertLog.record(alert)
    }
}

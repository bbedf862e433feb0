import Account
import EngineKit
import EngineModel
import Foundation
import Logging
import Recorder

/// The exec journal a dead engine left in /dev/shm: its generation, instruments and records.
public struct PreviousJournal: Sendable {
    public var generation: UInt64
    public var instruments: [Instrument]
    public var records: [ExecRecord]

    /// Reads the journal of `instance` when its engine stopped (state dead) or died (writer gone) —
    /// never a running engine's; nil when there is none.
    public static func read(instance: String) -> PreviousJournal? {
        guard let journal = try? ExecJournalReader(instance: instance, fromOldest: true),
            journal.segment.state == .dead || !journal.segment.writerAlive, let books = try? BooksReader(instance: instance)
        else { return nil }
        let instruments = books.instruments.compactMap { entry -> Instrument? in
            try? Instrument(
                symbol: entry.symbol, venue: entry.venue,
                tickSize: Price(mantissa: entry.tickSize, exponent: entry.priceExponent),
                stepSize: Quantity(mantissa: entry.stepSize, exponent: entry.quantityExponent),
                minNotional: Price(mantissa: entry.minNotional, exponent: entry.priceExponent))
        }
        guard instruments.count == books.instruments.count else { return nil }
        var records: [ExecRecord] = []
        let end = journal.head
        while journal.nextSeq <= end, case .record(let record) = journal.poll() { records.append(record) }
        return PreviousJournal(generation: journal.segment.generation, instruments: instruments, records: records)
    }
}

extension AccountProcessor {
    /// What a restore found.
    public struct Restored: Sendable {
        public var fills: Int
        public var postings: Int
        /// Records of the previous engine's journal the recorder had not stored, stored now.
        public var replayedRecords: Int
        /// The latest venue time of a recorded fill (trades are asked of the venue from there).
        public var lastFillNs: Int64?
    }

    /// Before `start`: rebuilds positions, PnL and the ledger from the recorder, then takes in what
    /// the previous engine journaled but the recorder had not stored (a kill -9 between the two).
    /// Every fill is keyed by its venue trade id, so nothing is counted twice.
    public func restore(from store: any RecorderStore, previous: PreviousJournal?) throws -> Restored {
        let fills = try store.fills(since: nil, symbol: nil)
        for fill in fills { _ = book.apply(.fill(fill), seq: 0) }
        let postings = try store.postings()
        ledger = Ledger(replaying: postings)
        // Balances are not restored: they are the venue's, and the first reconciliation brings them.
        for order in try store.orders(symbol: nil, limit: 10_000).reversed() {
            orderSeq = max(orderSeq, order.lastEventSeq)
            _ = book.apply(.order(order), seq: 0)
        }
        var replayed = 0
        if let previous {
            let mark = try store.journalMark(generation: previous.generation) ?? 0
            let assets = Dictionary(
                zip(settings.instruments.map(\.symbol), settings.assets), uniquingKeysWith: { first, _ in first })
            let known = previous.instruments.map { assets[$0.symbol] }
            if known.allSatisfy({ $0 != nil }) {
                var old = ExecAccountMapper(
                    venue: settings.venue, instruments: previous.instruments, assets: known.map { $0! })
                for record in previous.records {
                    let events = old.events(for: record)
                    guard record.seq > mark else { continue }
                    for event in events { apply(event, seq: 0) }
                    replayed += 1
                }
                recorder?.submit(.journalMark(generation: previous.generation, seq: previous.records.last?.seq ?? 0))
            } else {
                logger.error("the previous engine traded symbols this start does not: its journal is not replayed")
            }
        }
        try recorder?.flush()
        dirty = false
        publish(now: clock())
        return Restored(
            fills: fills.count, postings: postings.count, replayedRecords: replayed, lastFillNs: fills.map(\.venueNs).max())
    }
}

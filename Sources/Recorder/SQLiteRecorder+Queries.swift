import Account
import Foundation
import GRDB

// The queries of `RecorderStore`. They run on WAL reader connections, beside the writer, and see
// the last committed batch.

extension SQLiteRecorder {
    /// Fills since `ns` and of `symbol` (either may be nil), by venue time then trade id.
    public func fills(since ns: Int64?, symbol: String?) throws(RecorderError) -> [Fill] {
        try read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM fills WHERE (?1 IS NULL OR venue_ns >= ?1) AND (?2 IS NULL OR symbol = ?2)
                    ORDER BY venue_ns, trade_id, venue
                    """,
                arguments: [ns, symbol])
            return try rows.map(SQLiteRecorder.fill)
        }
    }

    /// Every stored fill's key, "venue:tradeId".
    public func fillKeys() throws(RecorderError) -> Set<String> {
        try read { db in
            var keys = Set<String>()
            let rows = try Row.fetchCursor(db, sql: "SELECT venue, trade_id FROM fills")
            while let row = try rows.next() {
                let reader = RowReader(row: row, table: "fills")
                keys.insert("\(try reader.text("venue")):\(try reader.uint64("trade_id"))")
            }
            return keys
        }
    }

    /// Orders of `symbol` (all when nil), most recently updated first, at most `limit`.
    public func orders(symbol: String?, limit: Int) throws(RecorderError) -> [AccountOrder] {
        try read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM orders WHERE (?1 IS NULL OR symbol = ?1)
                    ORDER BY last_update_ns DESC, last_event_seq DESC LIMIT ?2
                    """,
                arguments: [symbol, max(0, limit)])
            return try rows.map(SQLiteRecorder.order)
        }
    }

    /// Every posting, in insertion order.
    public func postings() throws(RecorderError) -> [Posting] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM postings ORDER BY id").map(SQLiteRecorder.posting) }
    }

    /// The newest `limit` alerts, newest first.
    public func alerts(limit: Int) throws(RecorderError) -> [Alert] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM alerts ORDER BY timestamp DESC, seq DESC LIMIT ?", arguments: [max(0, limit)]
            ).map(SQLiteRecorder.alert)
        }
    }

    /// The newest `limit` reconciliation reports, newest first.
    public func reports(limit: Int) throws(RecorderError) -> [ReconciliationReport] {
        try read { db in
            let texts = try String.fetchAll(
                db, sql: "SELECT json FROM reconciliation_reports ORDER BY timestamp DESC, id DESC LIMIT ?",
                arguments: [max(0, limit)])
            let decoder = JSONDecoder()
            return try texts.map { text in
                do {
                    return try decoder.decode(ReconciliationReport.self, from: Data(text.utf8))
                } catch {
                    throw RecorderError.corruptData(reason: "reconciliation_reports.json: \(error)")
                }
            }
        }
    }

    /// Each asset's latest balance row, by asset.
    public func latestBalances() throws(RecorderError) -> [BalanceEntry] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM balance_snapshots
                    WHERE id IN (SELECT max(id) FROM balance_snapshots GROUP BY asset) ORDER BY asset
                    """
            ).map(SQLiteRecorder.balance)
        }
    }

    /// Each position's latest row, by symbol then strategy.
    public func latestPositions() throws(RecorderError) -> [PositionEntry] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM position_snapshots
                    WHERE id IN (SELECT max(id) FROM position_snapshots GROUP BY strategy_id, symbol)
                    ORDER BY symbol, strategy_id
                    """
            ).map(SQLiteRecorder.position)
        }
    }

    /// The highest stored seq of journal generation `generation`.
    public func journalMark(generation: UInt64) throws(RecorderError) -> UInt64? {
        try read { db in
            try Int64.fetchOne(
                db, sql: "SELECT seq FROM journal_marks WHERE generation = ?",
                arguments: [Int64(bitPattern: generation)]
            ).map { UInt64(bitPattern: $0) }
        }
    }

    /// Bars in time order: the first `limit` from `since`, or the latest `limit` without it.
    public func bars(symbol: String, intervalSeconds: Int, since ns: Int64?, limit: Int) throws(RecorderError)
        -> [Bar]
    {
        try read { db in
            let latest = """
                SELECT * FROM (SELECT * FROM bars WHERE symbol = ?1 AND interval_s = ?2 ORDER BY open_ns DESC LIMIT ?4)
                ORDER BY open_ns
                """
            let from = """
                SELECT * FROM bars WHERE symbol = ?1 AND interval_s = ?2 AND open_ns >= ?3 ORDER BY open_ns LIMIT ?4
                """
            let sql = ns == nil ? latest : from
            let rows = try Row.fetchAll(db, sql: sql, arguments: [symbol, intervalSeconds, ns, max(0, limit)])
            return try rows.map { try SQLiteRecorder.openBar($0).bar }
        }
    }

    /// `symbol`'s ticks at or after `since`, in the order written.
    public func ticks(symbol: String, since ns: Int64?) throws(RecorderError) -> [TickRecord] {
        try read { db in
            let blobs = try Data.fetchAll(
                db, sql: "SELECT data FROM md_ticks WHERE symbol = ?1 AND (?2 IS NULL OR last_ns >= ?2) ORDER BY id",
                arguments: [symbol, ns])
            var ticks: [TickRecord] = []
            for blob in blobs {
                let decoded = try TickCodec.decode([UInt8](blob), symbol: symbol)
                ticks += ns.map { since in decoded.filter { $0.ns >= since } } ?? decoded
            }
            return ticks
        }
    }
}

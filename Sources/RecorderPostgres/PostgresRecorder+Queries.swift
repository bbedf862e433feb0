import Account
import Foundation
import PostgresNIO
import Recorder

// The queries of `RecorderStore`, on the reader connection: each sees the last committed batch.
// They answer exactly as SQLiteRecorder's do for the same writes (same filters, same order, same
// tie-breaks); text sorts byte-wise (the columns are COLLATE "C"). Optional filters are written as
// `$n::BIGINT IS NULL OR …` so a NULL bind carries its type.

extension PostgresRecorder {
    /// Fills since `ns` and of `symbol` (either may be nil), by venue time then trade id.
    public func fills(since ns: Int64?, symbol: String?) throws(RecorderError) -> [Fill] {
        try query { db in
            try db.run(
                """
                SELECT * FROM fills WHERE (\(ns)::BIGINT IS NULL OR venue_ns >= \(ns)::BIGINT)
                AND (\(symbol)::TEXT IS NULL OR symbol = \(symbol)::TEXT)
                ORDER BY venue_ns, trade_id, venue
                """
            ).map(PostgresRecorder.fill)
        }
    }

    /// Every stored fill's key, "venue:tradeId".
    public func fillKeys() throws(RecorderError) -> Set<String> {
        try query { db in
            var keys = Set<String>()
            for row in try db.run("SELECT venue, trade_id FROM fills") {
                let reader = PGRow(row, table: "fills")
                keys.insert("\(try reader.text("venue")):\(try reader.uint64("trade_id"))")
            }
            return keys
        }
    }

    /// Orders of `symbol` (all when nil), most recently updated first, at most `limit`.
    public func orders(symbol: String?, limit: Int) throws(RecorderError) -> [AccountOrder] {
        try query { db in
            try db.run(
                """
                SELECT * FROM orders WHERE (\(symbol)::TEXT IS NULL OR symbol = \(symbol)::TEXT)
                ORDER BY last_update_ns DESC, last_event_seq DESC LIMIT \(Int64(max(0, limit)))
                """
            ).map(PostgresRecorder.order)
        }
    }

    /// Every posting, in insertion order.
    public func postings() throws(RecorderError) -> [Posting] {
        try query { db in try db.run("SELECT * FROM postings ORDER BY id").map(PostgresRecorder.posting) }
    }

    /// The newest `limit` alerts, newest first.
    public func alerts(limit: Int) throws(RecorderError) -> [Alert] {
        try query { db in
            try db.run("SELECT * FROM alerts ORDER BY timestamp DESC, seq DESC LIMIT \(Int64(max(0, limit)))")
                .map(PostgresRecorder.alert)
        }
    }

    /// The newest `limit` reconciliation reports, newest first.
    public func reports(limit: Int) throws(RecorderError) -> [ReconciliationReport] {
        try query { db in
            let rows = try db.run(
                """
                SELECT json FROM reconciliation_reports ORDER BY timestamp DESC, id DESC
                LIMIT \(Int64(max(0, limit)))
                """)
            let decoder = JSONDecoder()
            return try rows.map { row in
                let text = try PGRow(row, table: "reconciliation_reports").text("json")
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
        try query { db in
            try db.run("SELECT DISTINCT ON (asset) * FROM balance_snapshots ORDER BY asset, id DESC")
                .map(PostgresRecorder.balance)
        }
    }

    /// Each position's latest row, by symbol then strategy.
    public func latestPositions() throws(RecorderError) -> [PositionEntry] {
        try query { db in
            try db.run(
                """
                SELECT DISTINCT ON (symbol, strategy_id) * FROM position_snapshots
                ORDER BY symbol, strategy_id, id DESC
                """
            ).map(PostgresRecorder.position)
        }
    }

    /// The highest stored seq of journal generation `generation`.
    public func journalMark(generation: UInt64) throws(RecorderError) -> UInt64? {
        try query { db in
            let rows = try db.run(
                "SELECT seq FROM journal_marks WHERE generation = \(Int64(bitPattern: generation))")
            return try rows.first.map { UInt64(bitPattern: try PGRow($0, table: "journal_marks").int64("seq")) }
        }
    }

    /// Bars in time order: the first `limit` from `since`, or the latest `limit` without it.
    public func bars(symbol: String, intervalSeconds: Int, since ns: Int64?, limit: Int) throws(RecorderError)
        -> [Bar]
    {
        let interval = Int64(intervalSeconds)
        let limit = Int64(max(0, limit))
        return try query { db in
            let rows: [PostgresRow]
            if let ns {
                rows = try db.run(
                    """
                    SELECT * FROM bars WHERE symbol = \(symbol) AND interval_s = \(interval) AND open_ns >= \(ns)
                    ORDER BY open_ns LIMIT \(limit)
                    """)
            } else {
                rows = try db.run(
                    """
                    SELECT * FROM (SELECT * FROM bars WHERE symbol = \(symbol) AND interval_s = \(interval)
                    ORDER BY open_ns DESC LIMIT \(limit)) AS latest ORDER BY open_ns
                    """)
            }
            return try rows.map { try PostgresRecorder.storedBar($0).bar }
        }
    }

    /// `symbol`'s ticks at or after `since`, in the order written.
    public func ticks(symbol: String, since ns: Int64?) throws(RecorderError) -> [TickRecord] {
        try query { db in
            let rows = try db.run(
                """
                SELECT data FROM md_ticks WHERE symbol = \(symbol)
                AND (\(ns)::BIGINT IS NULL OR last_ns >= \(ns)::BIGINT) ORDER BY id
                """)
            var ticks: [TickRecord] = []
            for row in rows {
                let decoded = try TickCodec.decode(try PGRow(row, table: "md_ticks").bytes("data"), symbol: symbol)
                ticks += ns.map { since in decoded.filter { $0.ns >= since } } ?? decoded
            }
            return ticks
        }
    }
}

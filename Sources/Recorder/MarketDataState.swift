import Foundation
import GRDB

/// What the SQLite store keeps in memory between batches: each symbol's open tick block (its row
/// is rewritten as it grows until it holds `SQLiteRecorder.ticksPerBlock` ticks) and the bars being
/// built. A value type, so a failed batch puts the copy taken before it back.
struct MarketDataState: Sendable {
    /// A block being filled, and its row once written.
    struct OpenBlock: Sendable {
        var rowId: Int64?
        var encoder: TickBlockEncoder
    }

    private var blocks: [String: OpenBlock] = [:]
    private var touched: Set<String> = []
    private var bars = BarBuilder()

    /// Adds a tick to its symbol's block and, for a trade, to its bars.
    mutating func add(_ tick: TickRecord, _ db: Database) throws {
        let symbol = tick.symbol
        if let count = blocks[symbol]?.encoder.count, count >= SQLiteRecorder.ticksPerBlock {
            if touched.remove(symbol) != nil { try writeBlock(symbol, db) }
            blocks[symbol] = nil
        }
        if blocks[symbol] == nil {
            let encoder = TickBlockEncoder(
                priceExponent: tick.price.exponent, quantityExponent: tick.quantity.exponent)
            blocks[symbol] = OpenBlock(rowId: nil, encoder: encoder)
        }
        blocks[symbol]?.encoder.append(tick)
        touched.insert(symbol)
        if tick.kind == .trade {
            try bars.add(tick) { (identity: BarBuilder.Identity) throws(RecorderError) in
                try MarketDataState.loadBar(identity, db)
            }
        }
    }

    /// Writes the blocks and bars this batch changed (called last in the batch's transaction).
    mutating func flush(_ db: Database) throws {
        for symbol in touched {
            try writeBlock(symbol, db)
        }
        touched.removeAll(keepingCapacity: true)
        for bar in bars.takeChanged() {
            try MarketDataState.upsert(bar, db)
        }
    }

    private mutating func writeBlock(_ symbol: String, _ db: Database) throws {
        guard let block = blocks[symbol] else { return }
        let encoder = block.encoder
        let data = Data(encoder.bytes)
        if let rowId = block.rowId {
            try db.cachedStatement(
                sql: "UPDATE md_ticks SET first_ns = ?, last_ns = ?, count = ?, data = ? WHERE id = ?"
            )
            .execute(arguments: [encoder.firstNs, encoder.lastNs, encoder.count, data, rowId])
        } else {
            try db.cachedStatement(
                sql: "INSERT INTO md_ticks (symbol, first_ns, last_ns, count, data) VALUES (?, ?, ?, ?, ?)"
            ).execute(arguments: [symbol, encoder.firstNs, encoder.lastNs, encoder.count, data])
            blocks[symbol]?.rowId = db.lastInsertedRowID
        }
    }

    private static func loadBar(_ identity: BarBuilder.Identity, _ db: Database) throws(RecorderError) -> OpenBar? {
        do {
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM bars WHERE symbol = ? AND interval_s = ? AND open_ns = ?"),
                arguments: [identity.symbol, identity.intervalSeconds, identity.openNs])
            return try row.map(SQLiteRecorder.openBar)
        } catch let error as RecorderError {
            throw error
        } catch {
            throw .writeFailed(reason: "loading the \(identity.symbol) bar at \(identity.openNs): \(error)")
        }
    }

    private static func upsert(_ open: OpenBar, _ db: Database) throws {
        let bar = open.bar
        try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO bars (symbol, interval_s, open_ns, open_m, open_e, high_m, high_e, low_m,
                    low_e, close_m, close_e, volume_m, volume_e, trades, first_trade_ns, last_trade_ns)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            bar.symbol, bar.intervalSeconds, bar.openNs, bar.open.mantissa, bar.open.exponent, bar.high.mantissa,
            bar.high.exponent, bar.low.mantissa, bar.low.exponent, bar.close.mantissa, bar.close.exponent,
            bar.volume.mantissa, bar.volume.exponent, bar.trades, open.firstTradeNs, open.lastTradeNs,
        ])
    }
}

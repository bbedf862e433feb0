import EngineModel
import PostgresNIO
import Recorder

// Market data between batches, as the SQLite store keeps it: each symbol's open tick block (its
// md_ticks row is rewritten as it grows, up to SQLiteRecorder.ticksPerBlock ticks, then a new one
// starts) and each symbol's latest bar of every interval. Blocks are encoded with the Recorder
// module's public TickBlockEncoder. The Recorder's BarBuilder, OpenBar and Bar.openNs(for:) are
// internal to it, so the bar folding below is this module's own, kept to the rules Bar documents:
// open and close are the earliest and latest trade by exchange time, volume sums at the finer
// exponent, bars open at multiples of the interval since the epoch.

/// A bar with the exchange times of its first and last trade (as the bars table stores it).
struct StoredBar: Sendable, Hashable {
    var bar: Bar
    var firstTradeNs: Int64
    var lastTradeNs: Int64
}

/// Open tick blocks and recent bars; a value, so a failed batch puts the copy taken before it back.
struct PostgresMarketData: Sendable {
    /// The intervals recorded, in seconds (the SQLite store's).
    static let intervals = [1, 60]

    private struct OpenBlock: Sendable {
        var rowId: Int64?
        var encoder: TickBlockEncoder
    }

    private struct BarKey: Hashable, Sendable {
        var symbol: String
        var intervalSeconds: Int
        var openNs: Int64
    }

    private var blocks: [String: OpenBlock] = [:]
    private var touched: Set<String> = []
    /// Bars as last written or loaded, by bar; only the latest of each series is kept between batches.
    private var bars: [BarKey: StoredBar] = [:]
    private var changedBars: Set<BarKey> = []

    /// Adds a tick to its symbol's block and, for a trade, to its bars.
    mutating func add(_ tick: TickRecord, _ pipeline: inout Pipeline) throws {
        let symbol = tick.symbol
        if let count = blocks[symbol]?.encoder.count, count >= SQLiteRecorder.ticksPerBlock {
            if touched.remove(symbol) != nil { try writeBlock(symbol, &pipeline) }
            blocks[symbol] = nil
        }
        if blocks[symbol] == nil {
            let encoder = TickBlockEncoder(priceExponent: tick.price.exponent, quantityExponent: tick.quantity.exponent)
            blocks[symbol] = OpenBlock(rowId: nil, encoder: encoder)
        }
        blocks[symbol]?.encoder.append(tick)
        touched.insert(symbol)
        if tick.kind == .trade {
            for interval in PostgresMarketData.intervals { try fold(tick, interval, &pipeline) }
        }
    }

    /// Writes the blocks and bars this batch changed (last in the batch's transaction).
    mutating func flush(_ pipeline: inout Pipeline) throws {
        for symbol in touched.sorted() { try writeBlock(symbol, &pipeline) }
        touched.removeAll(keepingCapacity: true)
        for key in changedBars {
            guard let stored = bars[key] else { continue }
            pipeline.send(PostgresMarketData.upsert(stored))
        }
        changedBars.removeAll(keepingCapacity: true)
        // Keep each series' latest bar only: an older one is loaded again if a late trade needs it.
        var latest: [String: BarKey] = [:]
        for key in bars.keys {
            let series = "\(key.intervalSeconds) \(key.symbol)"
            if key.openNs > latest[series]?.openNs ?? Int64.min { latest[series] = key }
        }
        let keep = Set(latest.values)
        bars = bars.filter { keep.contains($0.key) }
    }

    private mutating func fold(_ trade: TickRecord, _ interval: Int, _ pipeline: inout Pipeline) throws {
        let width = Int64(interval) * 1_000_000_000
        let remainder = trade.ns % width
        let openNs = remainder >= 0 ? trade.ns - remainder : trade.ns - remainder - width
        let key = BarKey(symbol: trade.symbol, intervalSeconds: interval, openNs: openNs)
        if bars[key] == nil {
            let rows = try pipeline.fetch(
                """
                SELECT * FROM bars WHERE symbol = \(trade.symbol) AND interval_s = \(Int64(interval))
                AND open_ns = \(openNs)
                """)
            bars[key] = try rows.first.map(PostgresRecorder.storedBar)
        }
        changedBars.insert(key)
        guard var stored = bars[key] else {
            let bar = Bar(
                symbol: trade.symbol, intervalSeconds: interval, openNs: openNs, open: trade.price,
                high: trade.price, low: trade.price, close: trade.price, volume: trade.quantity, trades: 1)
            bars[key] = StoredBar(bar: bar, firstTradeNs: trade.ns, lastTradeNs: trade.ns)
            return
        }
        if trade.ns < stored.firstTradeNs {
            stored.bar.open = trade.price
            stored.firstTradeNs = trade.ns
        }
        if trade.ns >= stored.lastTradeNs {
            stored.bar.close = trade.price
            stored.lastTradeNs = trade.ns
        }
        stored.bar.high = max(stored.bar.high, trade.price)
        stored.bar.low = min(stored.bar.low, trade.price)
        let exponent = min(stored.bar.volume.exponent, trade.quantity.exponent)
        do {
            stored.bar.volume = try stored.bar.volume.rescaled(to: exponent)
                .adding(trade.quantity.rescaled(to: exponent))
        } catch {
            throw RecorderError.writeFailed(
                reason: "\(trade.symbol) bar volume \(stored.bar.volume) + \(trade.quantity) overflows: \(error)")
        }
        stored.bar.trades += 1
        bars[key] = stored
    }

    private mutating func writeBlock(_ symbol: String, _ pipeline: inout Pipeline) throws {
        guard let block = blocks[symbol] else { return }
        let encoder = block.encoder
        let data = ByteBuffer(bytes: encoder.bytes)
        let count = Int64(encoder.count)
        if let rowId = block.rowId {
            pipeline.send(
                """
                UPDATE md_ticks SET first_ns = \(encoder.firstNs), last_ns = \(encoder.lastNs), count = \(count),
                data = \(data) WHERE id = \(rowId)
                """)
        } else {
            let rows = try pipeline.fetch(
                """
                INSERT INTO md_ticks (symbol, first_ns, last_ns, count, data)
                VALUES (\(symbol), \(encoder.firstNs), \(encoder.lastNs), \(count), \(data)) RETURNING id
                """)
            guard let row = rows.first else { throw RecorderError.writeFailed(reason: "md_ticks returned no id") }
            blocks[symbol]?.rowId = try PGRow(row, table: "md_ticks").int64("id")
        }
    }

    private static func upsert(_ stored: StoredBar) -> PostgresQuery {
        let bar = stored.bar
        return """
            INSERT INTO bars (symbol, interval_s, open_ns, open_m, open_e, high_m, high_e, low_m, low_e, close_m,
                close_e, volume_m, volume_e, trades, first_trade_ns, last_trade_ns)
            VALUES (\(bar.symbol), \(Int64(bar.intervalSeconds)), \(bar.openNs), \(bar.open.mantissa),
                \(Int64(bar.open.exponent)), \(bar.high.mantissa), \(Int64(bar.high.exponent)), \(bar.low.mantissa),
                \(Int64(bar.low.exponent)), \(bar.close.mantissa), \(Int64(bar.close.exponent)),
                \(bar.volume.mantissa), \(Int64(bar.volume.exponent)), \(Int64(bar.trades)), \(stored.firstTradeNs),
                \(stored.lastTradeNs))
            ON CONFLICT (symbol, interval_s, open_ns) DO UPDATE SET
                open_m = excluded.open_m, open_e = excluded.open_e, high_m = excluded.high_m,
                high_e = excluded.high_e, low_m = excluded.low_m, low_e = excluded.low_e,
                close_m = excluded.close_m, close_e = excluded.close_e, volume_m = excluded.volume_m,
                volume_e = excluded.volume_e, trades = excluded.trades, first_trade_ns = excluded.first_trade_ns,
                last_trade_ns = excluded.last_trade_ns
            """
    }
}

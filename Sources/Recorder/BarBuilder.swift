import EngineModel

/// A bar being built, with the times of its first and last trade (so a trade that arrives late
/// still sets open and close by exchange time).
struct OpenBar: Sendable, Hashable {
    var bar: Bar
    var firstTradeNs: Int64
    var lastTradeNs: Int64

    /// A bar of one trade.
    init(trade: TickRecord, intervalSeconds: Int) {
        bar = Bar(
            symbol: trade.symbol, intervalSeconds: intervalSeconds,
            openNs: Bar.openNs(for: trade.ns, intervalSeconds: intervalSeconds), open: trade.price, high: trade.price,
            low: trade.price, close: trade.price, volume: trade.quantity, trades: 1)
        firstTradeNs = trade.ns
        lastTradeNs = trade.ns
    }

    /// A bar as stored.
    init(bar: Bar, firstTradeNs: Int64, lastTradeNs: Int64) {
        self.bar = bar
        self.firstTradeNs = firstTradeNs
        self.lastTradeNs = lastTradeNs
    }

    /// Folds one more trade of the bar's interval in. Throws when the volume overflows.
    mutating func add(_ trade: TickRecord) throws(RecorderError) {
        if trade.ns < firstTradeNs {
            bar.open = trade.price
            firstTradeNs = trade.ns
        }
        if trade.ns >= lastTradeNs {
            bar.close = trade.price
            lastTradeNs = trade.ns
        }
        bar.high = max(bar.high, trade.price)
        bar.low = min(bar.low, trade.price)
        bar.volume = try OpenBar.sum(bar.volume, trade.quantity, symbol: bar.symbol)
        bar.trades += 1
    }

    /// `a + b`, at the finer of the two exponents when they differ.
    private static func sum(_ a: Quantity, _ b: Quantity, symbol: String) throws(RecorderError) -> Quantity {
        let exponent = min(a.exponent, b.exponent)
        do {
            return try a.rescaled(to: exponent).adding(b.rescaled(to: exponent))
        } catch {
            throw .writeFailed(reason: "\(symbol) bar volume \(a) + \(b) overflows: \(error)")
        }
    }
}

/// Builds 1 s and 1 m bars from trade ticks as they are written. It keeps each symbol's current
/// bar per interval in memory; the store upserts the bars a batch touched (`takeChanged`) in the
/// batch's transaction, so a bar spanning two batches grows across them. A bar it does not hold
/// (after a restart, or a late trade for an earlier bar) is loaded from the store first.
struct BarBuilder: Sendable {
    /// The intervals recorded, in seconds.
    static let intervals = [1, 60]

    /// Which bar: a symbol's bar of one interval opening at `openNs`.
    struct Identity: Hashable, Sendable {
        var symbol: String
        var intervalSeconds: Int
        var openNs: Int64
    }

    /// Which series: a symbol at one interval.
    private struct Series: Hashable, Sendable {
        var symbol: String
        var intervalSeconds: Int
    }

    private var current: [Series: OpenBar] = [:]
    private var changed: [Identity: OpenBar] = [:]

    /// Folds a trade into its bar of every interval; `load` fetches a stored bar it does not hold.
    mutating func add(
        _ trade: TickRecord, load: (Identity) throws(RecorderError) -> OpenBar?
    ) throws(RecorderError) {
        for interval in BarBuilder.intervals {
            let series = Series(symbol: trade.symbol, intervalSeconds: interval)
            let identity = Identity(
                symbol: trade.symbol, intervalSeconds: interval,
                openNs: Bar.openNs(for: trade.ns, intervalSeconds: interval))
            var bar: OpenBar
            if let touched = changed[identity] {
                bar = touched
                try bar.add(trade)
            } else if let open = current[series], open.bar.openNs == identity.openNs {
                bar = open
                try bar.add(trade)
            } else if let stored = try load(identity) {
                bar = stored
                try bar.add(trade)
            } else {
                bar = OpenBar(trade: trade, intervalSeconds: interval)
            }
            changed[identity] = bar
            if identity.openNs >= current[series]?.bar.openNs ?? Int64.min {
                current[series] = bar
            }
        }
    }

    /// The bars changed since the last call, to upsert; forgets them as changed.
    mutating func takeChanged() -> [OpenBar] {
        defer { changed.removeAll(keepingCapacity: true) }
        return Array(changed.values)
    }
}

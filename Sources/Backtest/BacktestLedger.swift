import EngineModel
import Strategy

/// Exact bookkeeping of a backtest: position and average cost per instrument, realized PnL,
/// fees and volume, all in the quote asset at 1e-8 (every replayed instrument of one run is
/// assumed to share a quote asset, as USDT pairs do).
struct BacktestLedger {
    struct Holding {
        var quantity: Int64 = 0
        /// The cost of the open position, quote at 1e-8 (signed like the position).
        var cost: Int64 = 0
    }

    let instruments: [Instrument]
    var holdings: [Holding]
    var realized: Int64 = 0
    var fees: Int64 = 0
    var volume: Int64 = 0
    var wins = 0
    var closes = 0

    init(instruments: [Instrument]) {
        self.instruments = instruments
        holdings = Array(repeating: Holding(), count: instruments.count)
    }

    /// Applies one fill; returns the PnL it realized (quote, 1e-8).
    mutating func fill(_ index: Int, side: Side, price: Int64, quantity: Int64, fee: Int64) -> Int64 {
        let instrument = instruments[index]
        let notional = LimitGuard.notional(price: price, quantity: quantity, instrument)
        volume += notional
        fees += fee
        var h = holdings[index]
        let signed = side == .buy ? quantity : -quantity
        var made: Int64 = 0
        if h.quantity == 0 || (h.quantity > 0) == (signed > 0) {
            h.cost += side == .buy ? notional : -notional
            h.quantity += signed
        } else {
            let closing = min(abs(h.quantity), quantity)
            let released = Int64(Int128(h.cost) * Int128(closing) / Int128(abs(h.quantity)))
            let value = LimitGuard.notional(price: price, quantity: closing, instrument)
            // Long: sold `closing` for `value` that cost `released`; short: bought back.
            made = h.quantity > 0 ? value - released : -released - value
            h.cost -= released
            h.quantity += h.quantity > 0 ? -closing : closing
            let opening = quantity - closing
            if opening > 0 {
                let rest = LimitGuard.notional(price: price, quantity: opening, instrument)
                h.cost = side == .buy ? rest : -rest
                h.quantity = side == .buy ? opening : -opening
            }
            realized += made
            closes += 1
            if made - fee > 0 { wins += 1 }
        }
        if h.quantity == 0 { h.cost = 0 }
        holdings[index] = h
        return made
    }

    /// Open positions valued at `marks` minus their cost (quote, 1e-8); instruments without a
    /// mark count at cost.
    func unrealized(_ marks: [Int64?]) -> Int64 {
        var total: Int64 = 0
        for (i, h) in holdings.enumerated() where h.quantity != 0 {
            guard let mark = marks[i] else { continue }
            let value = LimitGuard.notional(price: mark, quantity: abs(h.quantity), instruments[i])
            total += (h.quantity > 0 ? value : -value) - h.cost
        }
        return total
    }
}

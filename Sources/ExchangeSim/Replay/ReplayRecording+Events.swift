import EngineModel
import Matching

/// One recorded market event, parsed: what a backtest replays in order.
public struct RecordedEvent: Sendable {
    /// What was recorded.
    public enum Kind: Sendable {
        /// The first REST depth snapshot of the symbol (later ones are left to the diffs).
        case snapshot(DepthSnapshot)
        /// A diff: absolute quantities at its own text exponents, zero removes a level.
        case depth(bids: [BookLevel], asks: [BookLevel], firstUpdateId: Int64, lastUpdateId: Int64)
        /// The venue's best bid and ask.
        case bookTicker(bid: BookLevel, ask: BookLevel, updateId: Int64)
        /// A public trade (`trade` or `aggTrade`); `buyerIsMaker` is Binance's `m`.
        case trade(id: Int64, price: Price, quantity: Quantity, buyerIsMaker: Bool?)
    }

    /// The recorded receive time, ns since the epoch.
    public let time: Int64
    /// The market (spot or USD-M).
    public let market: SimMarket
    /// The symbol, uppercase.
    public let symbol: String
    /// The event.
    public let kind: Kind
}

extension ReplayRecording {
    /// Every recorded depth snapshot, diff, book ticker and trade, in the recording's time order.
    /// Other streams (klines, …) are left out.
    public func events() -> [RecordedEvent] {
        var out: [RecordedEvent] = []
        out.reserveCapacity(frames.count)
        var seeded: Set<String> = []
        for frame in frames {
            if frame.stream < 0 {
                // A snapshot: the first of its symbol seeds the book.
                guard let (symbol, snapshot) = (snapshots[frame.market] ?? [:]).first(where: {
                    $0.value.time == frame.time && !seeded.contains("\(frame.market):\($0.key)")
                }) else { continue }
                seeded.insert("\(frame.market):\(symbol)")
                out.append(RecordedEvent(time: frame.time, market: frame.market, symbol: symbol, kind: .snapshot(snapshot.depth)))
                continue
            }
            if let diff = frame.diff {
                out.append(
                    RecordedEvent(
                        time: frame.time, market: frame.market, symbol: diff.symbol,
                        kind: .depth(bids: diff.bids, asks: diff.asks, firstUpdateId: diff.firstUpdateId, lastUpdateId: diff.lastUpdateId)))
                continue
            }
            guard let members = ReplayJSONScanner.members(Substring(frame.raw)) else { continue }
            func value(_ key: String) -> Substring? { members.first { $0.key == key }?.value }
            func text(_ key: String) -> Substring? {
                guard let v = value(key), v.count >= 2, v.first == "\"", v.last == "\"" else { return nil }
                return v.dropFirst().dropLast()
            }
            guard let symbol = text("s").map({ $0.uppercased() }) else { continue }
            let event = text("e")
            if event == "trade" || event == "aggTrade" {
                guard let id = value(event == "trade" ? "t" : "a").flatMap({ Int64($0) }),
                    let price = text("p").flatMap(Self.price), let quantity = text("q").flatMap(Self.quantity)
                else { continue }
                let maker = value("m").map { $0 == "true" }
                out.append(
                    RecordedEvent(
                        time: frame.time, market: frame.market, symbol: symbol,
                        kind: .trade(id: id, price: price, quantity: quantity, buyerIsMaker: maker)))
            } else if event == nil || event == "bookTicker", let b = text("b").flatMap(Self.price),
                let bq = text("B").flatMap(Self.quantity), let a = text("a").flatMap(Self.price),
                let aq = text("A").flatMap(Self.quantity), let u = value("u").flatMap({ Int64($0) })
            {
                out.append(
                    RecordedEvent(
                        time: frame.time, market: frame.market, symbol: symbol,
                        kind: .bookTicker(bid: BookLevel(price: b, quantity: bq), ask: BookLevel(price: a, quantity: aq), updateId: u)))
            }
        }
        return out
    }

    /// The replayed symbols of `market` as instruments with the finest tick and step any recorded
    /// price and quantity needs (no minimum notional): the rules a backtest lists them under.
    public func instruments(_ market: SimMarket, venue: String) -> [Instrument] {
        replayedSymbols(market).compactMap { name in
            guard let recorded = symbols[market]?[name] else { return nil }
            let pe = Int8(-min(recorded.priceDecimals, 18)), qe = Int8(-min(recorded.quantityDecimals, 8))
            return try? Instrument(
                symbol: name, venue: venue, tickSize: Price(mantissa: 1, exponent: pe),
                stepSize: Quantity(mantissa: 1, exponent: qe), minNotional: Price(mantissa: 0, exponent: pe))
        }
    }

    private static func exponent(_ text: Substring) -> Int8 {
        guard let dot = text.firstIndex(of: ".") else { return 0 }
        return Int8(-text[text.index(after: dot)...].count)
    }

    private static func price(_ text: Substring) -> Price? { try? Price(parsing: String(text), exponent: exponent(text)) }
    private static func quantity(_ text: Substring) -> Quantity? {
        try? Quantity(parsing: String(text), exponent: exponent(text))
    }
}

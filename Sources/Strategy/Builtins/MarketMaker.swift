import EngineModel

/// Quotes both sides around the mid: at least `spread_bps` wide, and never inside the book's
/// own spread (with the default 0 it joins the best bid and ask). Skewed against its inventory:
/// long, both quotes move down by up to `skew_bps` at `max_position` (and the bid's size shrinks
/// to zero there); short, the other way. Requotes when the book changes, at most every
/// `min_requote_ms` and only when a quote moved by `requote_ticks` or more. Quotes are
/// LIMIT_MAKER (passive): it never takes.
///
/// Parameters: spread_bps (0), skew_bps (2), max_position (10 × order_size), min_requote_ms
/// (100), requote_ticks (1).
public final class MarketMaker: Strategy {
    public let name: String
    public private(set) var instruments: [Int] = []
    private var spreadBps = 0.0, skewBps = 2.0
    private var maxPosition: Int64 = 0
    private var minRequoteNs: Int64 = 100_000_000
    private var requoteTicks: Int64 = 1
    private var lastQuoteNs: Int64 = .min
    private(set) var bid: Int64 = 0
    private(set) var ask: Int64 = 0

    public init(name: String) { self.name = name }

    public func initialize(_ config: StrategyConfig, context: StrategyContext) throws {
        instruments = try config.resolveSymbols(context)
        let instrument = context.instruments[instruments[0]]
        spreadBps = try config.number("spread_bps", 0, in: 0...10_000)
        skewBps = try config.number("skew_bps", 2, in: 0...10_000)
        let size = try config.orderQuantity(instrument)
        maxPosition = try config.quantity("max_position", "\(Quantity(mantissa: size * 10, exponent: instrument.quantityExponent))", instrument: instrument)
        guard maxPosition > 0 else { throw StrategyConfigError("strategy \(name): max_position must be above zero") }
        minRequoteNs = Int64(try config.number("min_requote_ms", 100, in: 0...3_600_000) * 1_000_000)
        requoteTicks = Int64(try config.number("requote_ticks", 1, in: 1...1_000_000))
    }

    public func onMarketData(_ update: MarketUpdate, context: StrategyContext) throws -> [Signal] {
        guard case .book(let quote) = update.kind, let mid = quote.mid else { return [] }
        guard lastQuoteNs == .min || update.timeNs - lastQuoteNs >= minRequoteNs else { return [] }
        let i = update.instrument
        let tick = context.instruments[i].tickSize.mantissa
        let inventory = max(-1, min(1, Double(context.position(i)) / Double(maxPosition)))
        let half = Double(mid) * spreadBps / 20_000
        let shift = -inventory * Double(mid) * skewBps / 10_000
        let wantBid = min(Double(quote.bidPrice), Double(mid) - half), wantAsk = max(Double(quote.askPrice), Double(mid) + half)
        var bid = context.roundToTick(Int64((wantBid + shift).rounded(.down)), instrument: i, up: false)
        var ask = context.roundToTick(Int64((wantAsk + shift).rounded(.up)), instrument: i, up: true)
        // Post-only: never at or through the other side.
        if bid >= quote.askPrice { bid = quote.askPrice - tick }
        if ask <= quote.bidPrice { ask = quote.bidPrice + tick }
        let moved = abs(bid - self.bid) >= requoteTicks * tick || abs(ask - self.ask) >= requoteTicks * tick
        let buyStrength = 1 - max(0, inventory), sellStrength = 1 + min(0, inventory)
        guard moved || lastQuoteNs == .min || buyStrength == 0 || sellStrength == 0 else { return [] }
        lastQuoteNs = update.timeNs
        self.bid = bid
        self.ask = ask
        return [
            Signal(instrument: i, side: .buy, strength: buyStrength, priceHint: bid, reason: "quote bid", urgency: .passive),
            Signal(instrument: i, side: .sell, strength: sellStrength, priceHint: ask, reason: "quote ask", urgency: .passive),
        ]
    }

    public var state: [String: String] { ["bid": "\(bid)", "ask": "\(ask)"] }
}

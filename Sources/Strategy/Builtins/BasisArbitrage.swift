import EngineModel

/// Spot-perp basis arbitrage on one asset (seed 004): buys spot and sells the USD-M perpetual
/// when the perp's bid is above the spot ask by more than both legs' fees there and back
/// (`spot_fee_bps` and `perp_fee_bps`, taken twice) plus `min_edge_bps`; unwinds both legs
/// when the perp's ask comes back to within `exit_bps` of the spot bid. Both legs take (IOC at
/// the touch); on the next event a spot leg filled in part is squared to the perp's whole units
/// and a leg that filled without the other is hedged. At most
/// `max_units` order sizes are held, one unit per `cooldown_ms`.
///
/// Symbols: the spot instrument, then the perpetual. Parameters: spot_fee_bps (10),
/// perp_fee_bps (5), min_edge_bps (0), exit_bps (0), max_units (1), cooldown_ms (1000).
public final class BasisArbitrage: Strategy {
    public let name: String
    public private(set) var instruments: [Int] = []
    private var spot = 0, perp = 1
    private var spotFee = 10.0, perpFee = 5.0, minEdge = 0.0, exitBps = 0.0
    private var maxUnits = 1
    private var cooldownNs: Int64 = 1_000_000_000
    private var lastTradeNs: Int64 = .min
    private var spotSize: Int64 = 0, perpSize: Int64 = 0
    private var spotExp: Int8 = 0, perpExp: Int8 = 0
    /// The last basis seen, bps (perp bid over spot ask).
    private(set) var basisBps = 0.0
    /// Entries so far.
    private(set) var entries = 0

    public init(name: String) { self.name = name }

    public func initialize(_ config: StrategyConfig, context: StrategyContext) throws {
        instruments = try config.resolveSymbols(context, count: 2...2)
        (spot, perp) = (instruments[0], instruments[1])
        guard spot != perp else { throw StrategyConfigError("strategy \(name): the spot and perp symbols must differ") }
        spotFee = try config.number("spot_fee_bps", 10, in: 0...1000)
        perpFee = try config.number("perp_fee_bps", 5, in: 0...1000)
        minEdge = try config.number("min_edge_bps", 0, in: -1000...1000)
        exitBps = try config.number("exit_bps", 0, in: -1000...1000)
        maxUnits = Int(try config.number("max_units", 1, in: 1...1000))
        cooldownNs = Int64(try config.number("cooldown_ms", 1000, in: 0...86_400_000) * 1_000_000)
        spotSize = try config.orderQuantity(context.instruments[spot])
        perpSize = try config.orderQuantity(context.instruments[perp])
        spotExp = context.instruments[spot].priceExponent
        perpExp = context.instruments[perp].priceExponent
        let spotQ = context.instruments[spot].quantityExponent, perpQ = context.instruments[perp].quantityExponent
        guard Self.value(spotSize, spotQ) == Self.value(perpSize, perpQ) else {
            throw StrategyConfigError("strategy \(name): order_size must be a quantity both instruments can trade exactly")
        }
    }

    /// Both legs' fees, there and back, in bps.
    public var costBps: Double { 2 * (spotFee + perpFee) }

    static func value(_ mantissa: Int64, _ exponent: Int8) -> Double {
        var v = Double(mantissa)
        if exponent < 0 { for _ in 0..<(-Int(exponent)) { v /= 10 } } else { for _ in 0..<Int(exponent) { v *= 10 } }
        return v
    }

    public func onMarketData(_ update: MarketUpdate, context: StrategyContext) throws -> [Signal] {
        guard update.quote != nil, let s = context.quotes[spot], let p = context.quotes[perp], s.isTwoSided, p.isTwoSided
        else { return [] }
        let spotAsk = Self.value(s.askPrice, spotExp), spotBid = Self.value(s.bidPrice, spotExp)
        let perpBid = Self.value(p.bidPrice, perpExp), perpAsk = Self.value(p.askPrice, perpExp)
        basisBps = (perpBid - spotAsk) / spotAsk * 10_000
        let closeBps = (perpAsk - spotBid) / spotBid * 10_000
        let held = context.position(spot), short = context.position(perp)
        // A spot leg an IOC filled in part: bring it to the whole units the perp holds (complete an
        // entry whose perp leg filled, finish an exit whose perp leg filled, undo a lone fragment).
        let remainder = held % spotSize
        if remainder != 0 {
            let target = (-short / perpSize) * spotSize
            let difference = target - held
            return [
                Signal(
                    instrument: spot, side: difference > 0 ? .buy : .sell,
                    strength: min(1, Double(abs(difference)) / Double(spotSize)), reason: "square the spot leg",
                    urgency: .aggressive)
            ]
        }
        // A leg that filled alone: bring the perp back to minus the spot, in units of order size.
        let units = held / spotSize, perpUnits = -short / perpSize
        if units != perpUnits {
            let gap = units - perpUnits
            return [
                Signal(
                    instrument: perp, side: gap > 0 ? .sell : .buy, strength: 1, reason: "hedge the perp leg",
                    urgency: .aggressive)
            ]
        }
        guard lastTradeNs == .min || update.timeNs - lastTradeNs >= cooldownNs else { return [] }
        if units < maxUnits && basisBps - costBps >= minEdge {
            lastTradeNs = update.timeNs
            entries += 1
            let reason = "basis \((basisBps * 10).rounded() / 10) bp covers fees \(costBps) bp"
            return [
                Signal(instrument: spot, side: .buy, strength: 1, reason: reason, urgency: .aggressive),
                Signal(instrument: perp, side: .sell, strength: 1, reason: reason, urgency: .aggressive),
            ]
        }
        if units > 0 && closeBps <= exitBps {
            lastTradeNs = update.timeNs
            let reason = "basis back to \((closeBps * 10).rounded() / 10) bp"
            return [
                Signal(instrument: spot, side: .sell, strength: 1, reason: reason, urgency: .aggressive),
                Signal(instrument: perp, side: .buy, strength: 1, reason: reason, urgency: .aggressive),
            ]
        }
        return []
    }

    /// An entry refused before anything filled (a book not yet live at the intake, a limit) does
    /// not hold the cooldown: the next event may try again.
    public func onOrderUpdate(_ update: OrderStatusUpdate, context: StrategyContext) throws -> [Signal] {
        if update.status == .rejected, context.position(spot) == 0, context.position(perp) == 0 { lastTradeNs = .min }
        return []
    }

    public var state: [String: String] {
        ["basis_bps": "\((basisBps * 10).rounded() / 10)", "cost_bps": "\(costBps)", "entries": "\(entries)"]
    }
}

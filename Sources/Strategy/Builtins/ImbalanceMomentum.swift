import EngineModel

/// Book-imbalance momentum: (bid − ask quantity) / (bid + ask quantity) over the top `levels`
/// levels. Above `threshold` it buys, below −threshold it sells, with strength growing from 0 at
/// the threshold to 1 at full imbalance; never past `max_position` either way. At most one signal
/// per `cooldown_ms`. Takes by default (`urgency`: aggressive).
///
/// Parameters: levels (5), threshold (0.6), max_position (5 × order_size), cooldown_ms (1000),
/// urgency (aggressive).
public final class ImbalanceMomentum: Strategy {
    public let name: String
    public private(set) var instruments: [Int] = []
    private var levels = 5
    private var threshold = 0.6
    private var maxPosition: Int64 = 0
    private var cooldownNs: Int64 = 1_000_000_000
    private var urgency: Urgency = .aggressive
    private var lastSignalNs: Int64 = .min
    private(set) var imbalance = 0.0

    public init(name: String) { self.name = name }

    public func initialize(_ config: StrategyConfig, context: StrategyContext) throws {
        instruments = try config.resolveSymbols(context)
        let instrument = context.instruments[instruments[0]]
        levels = Int(try config.number("levels", 5, in: 1...100))
        threshold = try config.number("threshold", 0.6, in: 0.01...0.99)
        let size = try config.orderQuantity(instrument)
        maxPosition = try config.quantity("max_position", "\(Quantity(mantissa: size * 5, exponent: instrument.quantityExponent))", instrument: instrument)
        cooldownNs = Int64(try config.number("cooldown_ms", 1000, in: 0...86_400_000) * 1_000_000)
        urgency = Urgency(rawValue: try config.text("urgency", "aggressive", allowed: Urgency.allCases.map(\.rawValue)))!
    }

    /// The imbalance of a book's top levels, −1…1; nil when a side is empty.
    static func imbalance(bids: [Level], asks: [Level]) -> Double? {
        let b = bids.reduce(0.0) { $0 + Double($1.quantity) }, a = asks.reduce(0.0) { $0 + Double($1.quantity) }
        guard b > 0, a > 0 else { return nil }
        return (b - a) / (b + a)
    }

    public func onMarketData(_ update: MarketUpdate, context: StrategyContext) throws -> [Signal] {
        guard case .book = update.kind, lastSignalNs == .min || update.timeNs - lastSignalNs >= cooldownNs,
            let book = context.book(update.instrument, depth: levels),
            let imbalance = Self.imbalance(bids: book.bids, asks: book.asks)
        else { return [] }
        self.imbalance = imbalance
        guard abs(imbalance) >= threshold else { return [] }
        let side: Side = imbalance > 0 ? .buy : .sell
        let position = context.position(update.instrument)
        if side == .buy ? position >= maxPosition : position <= -maxPosition { return [] }
        lastSignalNs = update.timeNs
        let strength = max(0.05, (abs(imbalance) - threshold) / (1 - threshold))
        return [
            Signal(
                instrument: update.instrument, side: side, strength: strength,
                reason: "imbalance \(Int((imbalance * 100).rounded()))%", urgency: urgency)
        ]
    }

    public var state: [String: String] { ["imbalance": "\((imbalance * 1000).rounded() / 1000)"] }
}

import EngineModel

/// How soon a signal wants to trade; decides the order type and time in force (FR-SE-004).
public enum Urgency: String, CaseIterable, Comparable, Hashable, Sendable, CustomStringConvertible {
    /// Rest at the strategy's own price: LIMIT_MAKER at the price hint.
    case passive
    /// Join the touch: LIMIT_MAKER at the best price of the order's own side.
    case normal
    /// Take: a crossing LIMIT IOC at the opposite touch (or the price hint when it is worse).
    case aggressive

    private var rank: Int {
        switch self {
        case .passive: 0
        case .normal: 1
        case .aggressive: 2
        }
    }

    public static func < (lhs: Urgency, rhs: Urgency) -> Bool { lhs.rank < rhs.rank }
    public var description: String { rawValue }
}

/// What a strategy wants on one side of one instrument now (seed 002 FR-SE-003). A signal is a
/// standing wish rather than an order: the desk keeps at most one working order per strategy,
/// instrument and side, and replaces it when the wish changes. Strength 0 withdraws the wish.
public struct Signal: Equatable, Sendable, CustomStringConvertible {
    /// The instrument's index in the engine's instrument table.
    public var instrument: Int
    /// Buy or sell.
    public var side: Side
    /// 0 (withdraw) to 1 (the full order size).
    public var strength: Double
    /// A limit price mantissa at the instrument's price exponent; nil: the desk prices it from the book.
    public var priceHint: Int64?
    /// Why, for logs and the control plane.
    public var reason: String
    /// How soon.
    public var urgency: Urgency
    /// The strategy that made it (filled in by the host).
    public var strategy: String
    /// When, ns since the epoch on the clock of the run (the sim's clock in a backtest).
    public var timeNs: Int64

    /// A signal; `strength` is clamped to 0…1 (NaN is 0).
    public init(
        instrument: Int, side: Side, strength: Double, priceHint: Int64? = nil, reason: String = "",
        urgency: Urgency = .normal, strategy: String = "", timeNs: Int64 = 0
    ) {
        self.instrument = instrument
        self.side = side
        self.strength = strength.isNaN ? 0 : min(1, max(0, strength))
        self.priceHint = priceHint
        self.reason = reason
        self.urgency = urgency
        self.strategy = strategy
        self.timeNs = timeNs
    }

    /// A signal that withdraws the wish on `side`.
    public static func withdraw(_ instrument: Int, _ side: Side, reason: String = "withdraw") -> Signal {
        Signal(instrument: instrument, side: side, strength: 0, reason: reason)
    }

    public var description: String {
        "\(strategy) \(side) #\(instrument) strength \(strength) \(urgency)"
            + (priceHint.map { " @\($0)" } ?? "") + (reason.isEmpty ? "" : " (\(reason))")
    }
}

import EngineModel

/// How the signals of several strategies on one instrument become one (seed 002 FR-SE-004).
public enum AggregationMethod: Sendable, CustomStringConvertible {
    /// No aggregation: each strategy trades its own signals.
    case independent
    /// The side more strategies want wins; a tie trades nothing.
    case majority
    /// Strengths weighted by the configured weights (or by recent performance): the net side
    /// trades with the net strength.
    case weighted(byPerformance: Bool)
    /// The first strategy (in configuration order) whose strength reaches the threshold.
    case firstAboveThreshold(Double)
    /// A function of the round's signals on one instrument.
    case ensemble(name: String, @Sendable ([Signal]) -> Signal?)

    /// The method by its config name: independent, majority, weighted, performance, first_above:<t>.
    public init(name: String) throws(StrategyConfigError) {
        switch name {
        case "independent", "none": self = .independent
        case "majority": self = .majority
        case "weighted": self = .weighted(byPerformance: false)
        case "performance", "weighted_performance": self = .weighted(byPerformance: true)
        default:
            if name.hasPrefix("first_above:"), let t = Double(name.dropFirst("first_above:".count)), t > 0, t <= 1 {
                self = .firstAboveThreshold(t)
            } else {
                throw StrategyConfigError(
                    "aggregation must be independent, majority, weighted, performance or first_above:<0-1>, not '\(name)'")
            }
        }
    }

    public var description: String {
        switch self {
        case .independent: "independent"
        case .majority: "majority"
        case .weighted(let p): p ? "performance" : "weighted"
        case .firstAboveThreshold(let t): "first_above:\(t)"
        case .ensemble(let name, _): name
        }
    }
}

/// The strategy name aggregated signals are attributed to.
public let aggregateStrategyName = "aggregate"

/// Combines one round of signals per instrument. `weights` are per strategy name; with
/// `byPerformance` the weight is the strategy's recent realized PnL (never below a small floor,
/// so a losing strategy still counts a little).
public struct SignalAggregator: Sendable {
    public var method: AggregationMethod
    public var weights: [String: Double]
    /// The order strategies were configured in (first-above-threshold walks it).
    public var order: [String]

    public init(method: AggregationMethod, weights: [String: Double] = [:], order: [String] = []) {
        self.method = method
        self.weights = weights
        self.order = order
    }

    /// The signals to trade: unchanged when independent, else one per instrument and side at most.
    public func combine(_ signals: [Signal], performance: [String: Double] = [:]) -> [Signal] {
        if case .independent = method { return signals }
        guard !signals.isEmpty else { return [] }
        var byInstrument: [Int: [Signal]] = [:]
        var instruments: [Int] = []
        for s in signals {
            if byInstrument[s.instrument] == nil { instruments.append(s.instrument) }
            byInstrument[s.instrument, default: []].append(s)
        }
        return instruments.compactMap { combineOne(byInstrument[$0]!, performance: performance) }
    }

    private func combineOne(_ signals: [Signal], performance: [String: Double]) -> Signal? {
        let live = signals.filter { $0.strength > 0 }
        var result: Signal?
        switch method {
        case .independent:
            return nil
        case .majority:
            let buys = live.filter { $0.side == .buy }, sells = live.filter { $0.side == .sell }
            guard buys.count != sells.count else { return nil }
            let winners = buys.count > sells.count ? buys : sells
            result = merge(winners, strength: winners.map(\.strength).reduce(0, +) / Double(winners.count))
        case .weighted(let byPerformance):
            var net = 0.0, total = 0.0
            for s in live {
                let w = byPerformance ? max(0.05, performance[s.strategy] ?? 0.05) : (weights[s.strategy] ?? 1)
                net += (s.side == .buy ? 1 : -1) * w * s.strength
                total += w
            }
            guard total > 0, net != 0 else { return nil }
            let side: Side = net > 0 ? .buy : .sell
            result = merge(live.filter { $0.side == side }, strength: abs(net) / total)
        case .firstAboveThreshold(let threshold):
            let ranked = live.sorted { rank($0.strategy) < rank($1.strategy) }
            guard let first = ranked.first(where: { $0.strength >= threshold }) else { return nil }
            result = first
        case .ensemble(_, let function):
            result = function(signals)
        }
        guard var r = result else { return nil }
        r.strategy = aggregateStrategyName
        return r
    }

    private func rank(_ strategy: String) -> Int { order.firstIndex(of: strategy) ?? Int.max }

    /// One signal for `winners` (all one side): the strongest one's price hint and reason, the
    /// most urgent urgency, the given strength.
    private func merge(_ winners: [Signal], strength: Double) -> Signal? {
        guard let strongest = winners.max(by: { $0.strength < $1.strength }) else { return nil }
        var s = strongest
        s.strength = min(1, strength)
        s.urgency = winners.map(\.urgency).max() ?? strongest.urgency
        s.reason = "\(method): " + winners.map(\.strategy).joined(separator: "+")
        return s
    }
}

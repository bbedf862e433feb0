import EngineModel
import Matching
import Strategy

/// What a backtest runs and how orders fill.
///
/// Fill model: the recorded book is loaded into the Matching engine (ExchangeSim's) in shadow
/// mode. An order reaches it `latencyNs` of recorded time after the event that caused it, and
/// its answer comes back at once. A crossing order takes the displayed liquidity at the prices it
/// crosses, without changing the recorded book, and what it took of a level stays taken until
/// the recording next changes that level. A resting order fills, as a maker at its own price,
/// only when a later recorded book crosses it: there is no queue position, so an order resting
/// at the touch does not fill on trades at its price (a conservative model for makers). Public
/// trades do not fill orders.
public struct BacktestSettings: Sendable {
    public var strategies: [StrategyConfig]
    public var limits: RiskLimits
    public var aggregation: AggregationMethod
    /// Seeds the matching engine (ids); the same seed, file and parameters give identical output.
    public var seed: UInt64
    /// Order latency, ns of recorded time.
    public var latencyNs: Int64
    /// Spot commissions (Binance's standard 10 bp maker and taker).
    public var spotCommissions: CommissionSchedule
    /// USD-M commissions (2 bp maker, 5 bp taker).
    public var usdmCommissions: CommissionSchedule
    /// The equity curve's sampling interval, ns of recorded time.
    public var sampleIntervalNs: Int64
    /// Kill-switch moves at recorded times (operators' actions in a scripted run).
    public var killSwitch: [(timeNs: Int64, state: TradingState)]
    /// Parameter changes at recorded times (a hot reload in a scripted run).
    public var reloads: [(timeNs: Int64, strategies: [StrategyConfig])]
    /// Only these symbols are listed (empty: every recorded symbol).
    public var symbols: [String]

    public init(
        strategies: [StrategyConfig], limits: RiskLimits = RiskLimits(), aggregation: AggregationMethod = .independent,
        seed: UInt64 = 1, latencyNs: Int64 = 1_000_000, spotCommissions: CommissionSchedule = .standard,
        usdmCommissions: CommissionSchedule = CommissionSchedule(maker: .init(basisPoints: 2), taker: .init(basisPoints: 5)),
        sampleIntervalNs: Int64 = 1_000_000_000, killSwitch: [(timeNs: Int64, state: TradingState)] = [],
        reloads: [(timeNs: Int64, strategies: [StrategyConfig])] = [], symbols: [String] = []
    ) {
        self.strategies = strategies
        self.limits = limits
        self.aggregation = aggregation
        self.seed = seed
        self.latencyNs = latencyNs
        self.spotCommissions = spotCommissions
        self.usdmCommissions = usdmCommissions
        self.sampleIntervalNs = sampleIntervalNs
        self.killSwitch = killSwitch
        self.reloads = reloads
        self.symbols = symbols
    }
}

/// Why a backtest could not run: one clear line.
public struct BacktestError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

import EngineModel
import Foundation
import Strategy

/// One fill of a backtest.
public struct BacktestFill: Equatable, Sendable, Codable {
    public var timeNs: Int64
    public var symbol: String
    public var venue: String
    public var side: String
    public var price: String
    public var quantity: String
    /// In the quote asset.
    public var fee: String
    public var maker: Bool
    public var clientOrderId: String
    public var strategy: String
    /// What this fill realized (quote), before its fee.
    public var realizedPnl: String

    enum CodingKeys: String, CodingKey {
        case timeNs = "time_ns", symbol, venue, side, price, quantity, fee, maker, clientOrderId = "client_order_id",
            strategy, realizedPnl = "realized_pnl"
    }
}

/// A backtest's result. Everything but `timing` is a function of the file, the strategies, their
/// parameters and the seed: two runs give byte-identical `deterministicJSON`.
public struct BacktestReport: Sendable, Encodable {
    /// One point of the equity curve: recorded time, equity (quote, 1e-8) and positions (mantissas).
    public struct Point: Equatable, Sendable {
        public var timeNs: Int64
        public var equity: Int64
        public var positions: [Int64]
    }

    /// Where the time went (wall clock; differs run to run).
    public struct Timing: Sendable, Encodable {
        public var wallNs: UInt64
        public var events: Int
        public var eventsPerSecond: Double
        public var recordedSpanNs: Int64
        /// Strategy call latency by strategy: p50 and p99 in ns, and calls over the time budget.
        public var strategies: [String: [String: UInt64]]
        enum CodingKeys: String, CodingKey {
            case wallNs = "wall_ns", events, eventsPerSecond = "events_per_second", recordedSpanNs = "recorded_span_ns",
                strategies
        }
    }

    /// A strategy's deterministic figures.
    public struct StrategySummary: Equatable, Sendable, Encodable {
        public var name: String
        public var type: String
        public var state: String
        public var reason: String?
        public var signals: UInt64
        public var orders: UInt64
        public var rejected: UInt64
        public var errors: UInt64
        public var positions: [String: String]
    }

    public var fills: [BacktestFill]
    public var volume: String
    public var fees: String
    public var realizedPnl: String
    public var unrealizedPnl: String
    public var maxDrawdown: String
    public var winRate: Double
    public var sharpe: Double
    public var orders: [String: Int]
    public var rejectedByRisk: [String: Int]
    public var strategies: [StrategySummary]
    public var notes: [String]
    public var startNs: Int64
    public var endNs: Int64
    public var timing: Timing
    /// The equity curve (not in the JSON: see `equityCSV` and the SVG).
    public var curve: [Point]
    /// The instruments positions are listed for, by index.
    public var symbols: [String]

    enum CodingKeys: String, CodingKey {
        case fills, volume, fees, realizedPnl = "realized_pnl", unrealizedPnl = "unrealized_pnl",
            maxDrawdown = "max_drawdown", winRate = "win_rate", sharpe, orders, rejectedByRisk = "rejected_by_risk",
            strategies, notes, startNs = "start_ns", endNs = "end_ns", timing
    }

    /// A 1e-8 amount as decimal text.
    static func decimal(_ amount: Int64) -> String { signedDecimal(amount, exponent: RiskLimits.scale) }

    /// The report as one JSON object (keys sorted); `timing` left out when `withTiming` is false.
    public func json(withTiming: Bool = true) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self), var text = String(data: data, encoding: .utf8) else { return "{}" }
        if !withTiming, let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            var trimmed = object
            trimmed["timing"] = nil
            if let d = try? JSONSerialization.data(withJSONObject: trimmed, options: [.sortedKeys, .withoutEscapingSlashes]) {
                text = String(decoding: d, as: UTF8.self)
            }
        }
        return text
    }

    /// The fills as CSV with a header line.
    public var fillsCSV: String {
        var out = "time_ns,symbol,venue,side,price,quantity,fee,maker,client_order_id,strategy,realized_pnl\n"
        for f in fills {
            out += "\(f.timeNs),\(f.symbol),\(f.venue),\(f.side),\(f.price),\(f.quantity),\(f.fee),\(f.maker),\(f.clientOrderId),\(f.strategy),\(f.realizedPnl)\n"
        }
        return out
    }

    /// The equity curve as CSV: time, equity, then one position column per instrument.
    public var equityCSV: String {
        var out = "time_ns,equity" + symbols.map { ",position_\($0)" }.joined() + "\n"
        for p in curve {
            out += "\(p.timeNs),\(Self.decimal(p.equity))" + p.positions.map { ",\($0)" }.joined() + "\n"
        }
        return out
    }

    /// Collects a report while the backtest runs.
    struct Builder {
        var fills: [BacktestFill] = []
        var curve: [Point] = []
        var outcomes: [String: Int] = [:]
        var notes: [String] = []
        var peak: Int64 = 0
        var drawdown: Int64 = 0
        var placed = 0

        mutating func fill(_ f: BacktestFill) { fills.append(f) }
        mutating func placed(strategy: UInt32) { placed += 1 }
        mutating func outcome(_ s: OrderStatusUpdate.Status) { outcomes[s.rawValue, default: 0] += 1 }
        mutating func note(_ text: String) { notes.append(text) }

        mutating func point(timeNs: Int64, equity: Int64, positions: [Int64]) {
            if let last = curve.last, last.timeNs == timeNs {
                curve[curve.count - 1] = Point(timeNs: timeNs, equity: equity, positions: positions)
            } else {
                curve.append(Point(timeNs: timeNs, equity: equity, positions: positions))
            }
            peak = max(peak, equity)
            drawdown = max(drawdown, peak - equity)
        }

        func build(
            ledger: BacktestLedger, marks: [Int64?], instruments: [Instrument], host: StrategyHost, events: Int,
            wallNs: UInt64, startNs: Int64, endNs: Int64
        ) -> BacktestReport {
            var orders = outcomes
            orders["placed"] = placed
            let statuses = host.statuses
            // Sharpe of the equity changes between samples, scaled to one day of samples.
            let changes = zip(curve.dropFirst(), curve).map { Double($0.equity - $1.equity) / 1e8 }
            var sharpe = 0.0
            if changes.count > 1 {
                let mean = changes.reduce(0, +) / Double(changes.count)
                let variance = changes.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(changes.count - 1)
                let span = Double(max(1, endNs - startNs)) / 1e9
                let perDay = Double(changes.count) / span * 86_400
                if variance > 0 { sharpe = (mean / variance.squareRoot() * perDay.squareRoot() * 1000).rounded() / 1000 }
            }
            let winRate = ledger.closes == 0 ? 0 : (Double(ledger.wins) / Double(ledger.closes) * 10_000).rounded() / 10_000
            return BacktestReport(
                fills: fills, volume: decimal(ledger.volume), fees: decimal(ledger.fees),
                realizedPnl: decimal(ledger.realized), unrealizedPnl: decimal(ledger.unrealized(marks)),
                maxDrawdown: decimal(drawdown), winRate: winRate, sharpe: sharpe, orders: orders,
                rejectedByRisk: host.rejectedByRisk,
                strategies: statuses.map {
                    StrategySummary(
                        name: $0.name, type: $0.type, state: $0.state, reason: $0.reason, signals: $0.signals,
                        orders: $0.orders, rejected: $0.rejected, errors: $0.errors, positions: $0.positions)
                },
                notes: notes, startNs: startNs, endNs: endNs,
                timing: Timing(
                    wallNs: wallNs, events: events,
                    eventsPerSecond: wallNs == 0 ? 0 : (Double(events) / (Double(wallNs) / 1e9)).rounded(),
                    recordedSpanNs: endNs - startNs,
                    strategies: Dictionary(
                        uniqueKeysWithValues: statuses.map {
                            ($0.name, ["p50_ns": $0.p50Ns, "p99_ns": $0.p99Ns, "over_budget": $0.overBudget, "calls": $0.calls])
                        })),
                curve: curve, symbols: instruments.map(\.symbol))
        }

        private func decimal(_ v: Int64) -> String { BacktestReport.decimal(v) }
    }
}

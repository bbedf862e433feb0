import Backtest
import EngineModel
import ExchangeSim
import Foundation
import Strategy
import Testing

/// The recorded files under Tests/Data/binance (see its README for their provenance).
enum Recorded {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Data/binance")
    static let hftbacktest = directory.appendingPathComponent("hftbacktest_spot_btcusdt_20240808.first15000lines.gz").path

    nonisolated(unsafe) static var cache: [String: ReplayRecording] = [:]
    static let lock = NSLock()

    /// A recording, loaded once per test process.
    static func recording(_ sources: [ReplaySource]) throws -> ReplayRecording {
        let key = sources.map { "\($0.path)@\($0.market?.rawValue ?? "")" }.joined(separator: ",")
        return try lock.withLock {
            if let r = cache[key] { return r }
            let r = try ReplayRecording.load(sources)
            cache[key] = r
            return r
        }
    }

    static func btc() throws -> ReplayRecording { try recording([ReplaySource(path: hftbacktest)]) }
}

func marketMaker(_ parameters: [String: StrategyParameter] = [:], size: String = "0.01") -> StrategyConfig {
    StrategyConfig(
        name: "mm", type: "market-maker", symbols: ["BTCUSDT"], orderSize: size,
        parameters: ["spread_bps": .number(0.2), "skew_bps": .number(0.5), "min_requote_ms": .number(200)]
            .merging(parameters) { $1 })
}

/// One whole unit of the base asset as a position mantissa of the run (from its fills' text).
func unitOf(_ report: BacktestReport) -> Int64 {
    let decimals = report.fills.first.map { $0.quantity.split(separator: ".").last?.count ?? 0 } ?? 0
    var unit: Int64 = 1
    for _ in 0..<decimals { unit *= 10 }
    return unit
}

@Suite("Backtest on recorded data")
struct BacktestTests {
    @Test("the market maker's run is deterministic: identical report, fills and SVG twice")
    func deterministic() throws {
        let settings = BacktestSettings(strategies: [marketMaker()], seed: 7)
        let a = try Backtester(recording: try Recorded.btc(), settings: settings).run()
        let b = try Backtester(recording: try Recorded.btc(), settings: settings).run()
        #expect(!a.fills.isEmpty)
        #expect(a.json(withTiming: false) == b.json(withTiming: false))
        #expect(a.fillsCSV == b.fillsCSV)
        #expect(a.equityCSV == b.equityCSV)
        #expect(a.svg(title: "mm") == b.svg(title: "mm"))
        #expect(a.timing.events > 10_000)
        // The full JSON carries the report's keys and timing under its own key.
        let object = try JSONSerialization.jsonObject(with: Data(a.json().utf8)) as! [String: Any]
        for key in ["fills", "volume", "fees", "realized_pnl", "unrealized_pnl", "max_drawdown", "win_rate", "sharpe", "orders", "timing"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        let svg = a.svg(title: "mm")
        #expect(svg.hasPrefix("<svg") && svg.contains("<polyline") && svg.hasSuffix("</svg>\n"))
    }

    @Test("without skew the market maker's quotes straddle the mid: every bid below the recorded mid, every ask above; makers only")
    func straddles() throws {
        let backtester = try Backtester(
            recording: try Recorded.btc(), settings: BacktestSettings(strategies: [marketMaker(["skew_bps": .number(0)])]))
        var bids = 0, asks = 0, wrong: [String] = []
        backtester.observe = { intent, quote in
            guard let mid = quote?.mid else { return wrong.append("no quote for \(intent.clientOrderId)") }
            if intent.side == .buy { bids += 1 } else { asks += 1 }
            if intent.type != .limitMaker || (intent.side == .buy ? intent.price >= mid : intent.price <= mid) {
                wrong.append("\(intent.side) \(intent.type) at \(intent.price), mid \(mid)")
            }
        }
        let report = backtester.run()
        #expect(bids > 10 && asks > 10)
        #expect(wrong.isEmpty, "\(wrong.prefix(5))")
        let buys = report.fills.filter { $0.side == "buy" }, sells = report.fills.filter { $0.side == "sell" }
        #expect(!buys.isEmpty && !sells.isEmpty)
        #expect(report.fills.allSatisfy { $0.maker })
        #expect(report.orders["placed"]! > report.fills.count)
    }

    @Test("the market maker never holds more than max_position, and skews its quotes to shed inventory")
    func inventoryBounded() throws {
        let report = try Backtester(
            recording: try Recorded.btc(),
            settings: BacktestSettings(strategies: [marketMaker(["max_position": .text("0.03")])])
        ).run()
        #expect(!report.fills.isEmpty)
        let unit = unitOf(report)
        let extreme = report.curve.map { abs($0.positions[0]) }.max() ?? 0
        // One order size of slack: a quote already resting when the limit is reached may still fill.
        #expect(extreme <= 4 * unit / 100, "position reached \(extreme) (1 = \(unit))")
        // Skew sheds inventory: the position changes sign again and again.
        let signs = report.curve.map { $0.positions[0].signum() }.filter { $0 != 0 }
        #expect(zip(signs, signs.dropFirst()).filter { $0 != $1 }.count >= 3)
    }

    @Test("a halt mid-run cancels the resting quotes and refuses every later order")
    func killSwitch() throws {
        let recording = try Recorded.btc()
        let mid = recording.startTime + (recording.endTime - recording.startTime) / 2
        let report = try Backtester(
            recording: recording,
            settings: BacktestSettings(strategies: [marketMaker()], killSwitch: [(mid, .halted)])
        ).run()
        #expect(report.fills.contains { $0.timeNs < mid })
        // Orders reach the venue 1 ms after the decision: nothing fills later than that after the halt.
        #expect(!report.fills.contains { $0.timeNs > mid + 1_000_000 }, "fills after the halt")
        #expect((report.orders["canceled"] ?? 0) > 0)
        #expect((report.rejectedByRisk["kill_switch"] ?? 0) > 0)
        #expect(report.notes.contains { $0.hasPrefix("kill switch halted") })
    }

    @Test("a reload mid-run changes a parameter; a bad reload is refused and changes nothing")
    func reload() throws {
        let recording = try Recorded.btc()
        let third = (recording.endTime - recording.startTime) / 3
        let wide = marketMaker(["spread_bps": .number(200)])
        var bad = marketMaker()
        bad.parameters["spread_bps"] = .text("wide")
        let report = try Backtester(
            recording: recording,
            settings: BacktestSettings(
                strategies: [marketMaker()],
                reloads: [(recording.startTime + third, [wide]), (recording.startTime + 2 * third, [bad])])
        ).run()
        #expect(report.notes.contains { $0.hasPrefix("reload at") })
        #expect(report.notes.contains { $0.contains("refused") && $0.contains("spread_bps") })
        // 200 bp wide quotes do not fill in this calm recording: fills stop after the first reload
        // (one latency of slack), and the refused reload did not narrow them again.
        let after = report.fills.filter { $0.timeNs > recording.startTime + third + 1_000_000 }
        #expect(report.fills.count > 0)
        #expect(after.isEmpty, "\(after.count) fills after the spread was widened")
    }

    @Test("imbalance momentum trades both ways on the recorded book and respects its position limit")
    func momentum() throws {
        let config = StrategyConfig(
            name: "momo", type: "imbalance-momentum", symbols: ["BTCUSDT"], orderSize: "0.01",
            parameters: ["threshold": .number(0.5), "cooldown_ms": .number(500), "max_position": .text("0.02")])
        let report = try Backtester(recording: try Recorded.btc(), settings: BacktestSettings(strategies: [config])).run()
        #expect(!report.fills.isEmpty)
        #expect(report.fills.allSatisfy { !$0.maker }, "aggressive orders take")
        let extreme = report.curve.map { abs($0.positions[0]) }.max() ?? 0
        #expect(extreme <= 3 * unitOf(report) / 100)
        #expect(report.fills.contains { $0.side == "buy" } && report.fills.contains { $0.side == "sell" })
        #expect(report.strategies[0].signals > 0)
    }

    @Test("basis arbitrage on a spot book against an identical perp book never trades: the basis never covers fees")
    func basisWithoutEdge() throws {
        let recording = try Recorded.recording([
            ReplaySource(path: Recorded.hftbacktest, market: .spot), ReplaySource(path: Recorded.hftbacktest, market: .usdm),
        ])
        let config = StrategyConfig(
            name: "basis", type: "basis-arbitrage", symbols: ["binance:BTCUSDT", "binance-futures:BTCUSDT"],
            orderSize: "0.01")
        let report = try Backtester(recording: recording, settings: BacktestSettings(strategies: [config])).run()
        #expect(report.fills.isEmpty)
        #expect(report.strategies[0].state == "running")
        #expect(report.orders["placed"] == 0)
    }

    @Test("an unknown strategy type or symbol is one clear error")
    func badConfiguration() throws {
        let unknown = StrategyConfig(name: "x", type: "nope", symbols: ["BTCUSDT"], orderSize: "0.01")
        #expect(throws: BacktestError.self) { try Backtester(recording: try Recorded.btc(), settings: .init(strategies: [unknown])) }
        let symbol = StrategyConfig(name: "x", type: "market-maker", symbols: ["ETHUSDT"], orderSize: "0.01")
        do {
            _ = try Backtester(recording: try Recorded.btc(), settings: .init(strategies: [symbol]))
            Issue.record("accepted an unknown symbol")
        } catch {
            #expect("\(error)".contains("ETHUSDT"))
        }
    }
}

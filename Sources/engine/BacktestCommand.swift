import ArgumentParser
import Backtest
import ExchangeSim
import Foundation
import Strategy

/// `engine backtest`: strategies over a recorded file, replayed through the Matching engine on the
/// recording's clock as fast as the machine allows; deterministic for a file, parameters and seed.
struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Backtest strategies on recorded Binance data (hftbacktest or cryptofeed files, spot or USD-M).",
        discussion: """
            Fill model: orders reach the Matching engine --latency-us after the event that caused them; a
            crossing order takes the recorded displayed liquidity; a resting order fills as a maker at its price
            only when a later recorded book crosses it (no queue position); public trades fill nothing.
            Prefix a file with spot: or usdm: to say its market (else it is detected).
            """)

    @Option(name: .customLong("replay"), help: "A recorded file (repeatable; gzip or text).")
    var replay: [String] = []

    @Option(help: "A built-in strategy: market-maker, imbalance-momentum, basis-arbitrage (or strategies in --config).")
    var strategy: String?

    @Option(help: "JSON file with strategies, aggregation and risk (as `engine start --config`).")
    var config: String?

    @Option(help: "The market of every file: binance (spot) or binance-futures (USD-M); default: detected per file.")
    var venue: String?

    @Option(help: "Comma-separated symbols the strategy trades (default: every recorded symbol; basis-arbitrage: spot,perp).")
    var symbols: String?

    @Option(name: .customLong("order-size"), help: "With --strategy: the full order size in the base asset.")
    var orderSize: String = "0.001"

    @Option(name: .customLong("param"), help: "With --strategy: a parameter, key=value (repeatable).")
    var parameters: [String] = []

    @Option(help: "Seed of the matching engine (the same seed, file and parameters give identical output).")
    var seed: UInt64 = 1

    @Option(help: "Replay speed: max (as fast as the machine allows; the only speed a backtest runs at).")
    var speed: String = "max"

    @Option(name: .customLong("latency-us"), help: "Order latency in µs of recorded time.")
    var latencyUs: Int64 = 1000

    @Flag(help: "Print the report as one JSON object on stdout.")
    var json = false

    @Option(help: "Write report.json, timing.json, fills.csv, equity.csv and report.svg here.")
    var out: String?

    func validate() throws {
        guard !replay.isEmpty else { throw ValidationError("--replay FILE is required") }
        guard (strategy == nil) != (config == nil) else { throw ValidationError("give --strategy TYPE or --config FILE (one of them)") }
        guard speed == "max" else { throw ValidationError("--speed \(speed): a backtest runs as fast as the machine allows; use --speed max") }
        guard latencyUs >= 0 else { throw ValidationError("--latency-us must not be negative") }
        if let venue, !["binance", "binance-futures"].contains(venue) {
            throw ValidationError("--venue must be binance or binance-futures, not '\(venue)'")
        }
        for p in parameters where !p.contains("=") { throw ValidationError("--param takes key=value, not '\(p)'") }
    }

    func run() throws {
        let sources = replay.map { path -> ReplaySource in
            if path.hasPrefix("spot:") { return ReplaySource(path: String(path.dropFirst(5)), market: .spot) }
            if path.hasPrefix("usdm:") { return ReplaySource(path: String(path.dropFirst(5)), market: .usdm) }
            return ReplaySource(path: path, market: venue.map { $0 == "binance" ? .spot : .usdm })
        }
        let recording: ReplayRecording
        do { recording = try ReplayRecording.load(sources) } catch { throw fail("\(error)", code: 2) }
        var settings = StrategySettings()
        let symbolList = symbols?.split(separator: ",").map { String($0).uppercased() }
        if let config {
            do { settings = try StrategySettings.load(path: config) } catch { throw fail("\(error)", code: 2) }
            guard !settings.strategies.isEmpty else { throw fail("config file \(config) names no strategies", code: 2) }
        } else if let type = strategy {
            guard StrategyRegistry.make(type: type, name: type) != nil else {
                throw fail("--strategy: unknown strategy '\(type)' (known: \(StrategyRegistry.types.joined(separator: ", ")))", code: 2)
            }
            var params: [String: StrategyParameter] = [:]
            for p in parameters {
                let (key, value) = (String(p.prefix { $0 != "=" }), String(p.drop { $0 != "=" }.dropFirst()))
                params[key] = Double(value).map { .number($0) } ?? .text(value)
            }
            let recorded = recording.instruments(.spot, venue: "binance") + recording.instruments(.usdm, venue: "binance-futures")
            if type.hasPrefix("basis") {
                let pair = symbolList ?? recorded.map { "\($0.venue):\($0.symbol)" }
                settings.strategies = [StrategyConfig(name: type, type: type, symbols: pair, orderSize: orderSize, parameters: params)]
            } else {
                let names = symbolList ?? Array(Set(recorded.map(\.symbol))).sorted()
                settings.strategies = names.map {
                    StrategyConfig(name: names.count == 1 ? type : "\(type)-\($0)", type: type, symbols: [$0], orderSize: orderSize, parameters: params)
                }
            }
        }
        let method: AggregationMethod
        do { method = try settings.method() } catch { throw fail("\(error)", code: 2) }
        let run = BacktestSettings(
            strategies: settings.strategies, limits: settings.limits, aggregation: method, seed: seed,
            latencyNs: latencyUs * 1000)
        let report: BacktestReport
        do { report = try Backtester(recording: recording, settings: run).run() } catch { throw fail("\(error)", code: 2) }
        if let out { try write(report, to: out) }
        if json {
            print(report.json())
        } else {
            summarize(report)
        }
    }

    private func write(_ report: BacktestReport, to directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let title = "Backtest: " + settingsTitle
            for (name, text) in [
                ("report.json", report.json(withTiming: false) + "\n"), ("fills.csv", report.fillsCSV),
                ("equity.csv", report.equityCSV), ("report.svg", report.svg(title: title)),
                ("timing.json", jsonLine(timingObject(report)) + "\n"),
            ] {
                try Data(text.utf8).write(to: URL(fileURLWithPath: directory).appendingPathComponent(name))
            }
        } catch {
            throw fail("cannot write the report into \(directory): \(error.localizedDescription)")
        }
    }

    private var settingsTitle: String {
        let files = replay.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: " + ")
        return "\(strategy ?? config.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "") on \(files), seed \(seed)"
    }

    private func timingObject(_ report: BacktestReport) -> [String: Any] {
        let t = report.timing
        return [
            "wall_ns": t.wallNs, "events": t.events, "events_per_second": t.eventsPerSecond,
            "recorded_span_ns": t.recordedSpanNs, "strategies": t.strategies,
        ]
    }

    private func summarize(_ r: BacktestReport) {
        print("backtest: \(settingsTitle)")
        print(
            "fills \(r.fills.count), volume \(r.volume), fees \(r.fees), realized \(r.realizedPnl), unrealized \(r.unrealizedPnl), "
                + "max drawdown \(r.maxDrawdown), win rate \(r.winRate), sharpe \(r.sharpe)")
        print("orders: " + r.orders.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        if !r.rejectedByRisk.isEmpty {
            print("rejected by risk: " + r.rejectedByRisk.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        for s in r.strategies {
            print("\(s.name) (\(s.type)): \(s.state)\(s.reason.map { " — \($0)" } ?? ""), \(s.signals) signals, \(s.orders) orders, \(s.rejected) rejected, \(s.errors) errors")
        }
        let t = r.timing
        print("timing: \(t.events) events in \(Double(t.wallNs) / 1e6) ms wall (\(Int(t.eventsPerSecond)) events/s) for \(Double(t.recordedSpanNs) / 1e9) s recorded")
        if let out { print("report written to \(out)/ (report.json, fills.csv, equity.csv, report.svg, timing.json)") }
    }
}

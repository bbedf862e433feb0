import EngineKit
import EngineModel
import Foundation
import Logging
import Strategy
import StrategyRuntime
import Trading

/// The strategies of a running engine: the host with its strategies, the runner thread on the
/// md ring, and SIGHUP (`engine reload`) re-reading parameters and limits from the config file.
///
/// Prepared (and every configuration checked) before the engine goes live; the runner starts as a
/// service of the engine's group once the books are live, because strategies started without an
/// order size trade the smallest size above twice the minimum notional at their first mid.
final class StrategyRun: @unchecked Sendable {
    private let settings: StartSettings
    /// The venues' instances, the spot one first: the host lists their instruments in this order.
    private let instances: [EngineInstance]
    private let account: AccountRun?
    private let killSwitches: [KillSwitch]
    private let gate: RiskGate?
    private let method: AggregationMethod
    private var runner: StrategyRunner?
    private var reloadSignal: DispatchSourceSignal?
    private let lock = NSLock()
    let logger: Logger

    private init(
        settings: StartSettings, instances: [EngineInstance], account: AccountRun?, killSwitches: [KillSwitch],
        gate: RiskGate?, method: AggregationMethod, logger: Logger
    ) {
        self.gate = gate
        self.settings = settings
        self.instances = instances
        self.account = account
        self.killSwitches = killSwitches
        self.method = method
        self.logger = logger
    }

    /// Checks the strategies' configurations against the instruments (an error says which and
    /// why); nil when no strategy is configured.
    static func prepare(
        settings: StartSettings, stacks: [(instance: EngineInstance, account: AccountRun?, trading: TradingRun?)],
        logger: Logger
    ) throws -> StrategyRun? {
        let configs = settings.strategy.strategies
        guard !configs.isEmpty else { return nil }
        let method = try settings.strategy.method()
        let instruments = stacks.flatMap(\.instance.config.instruments)
        do {
            let trial = try StrategyHost(
                instruments: instruments, books: nil, limits: settings.strategy.limits, clientIdPrefix: "t", measure: { 0 })
            let probe = StrategyContext(instruments: instruments, books: nil)
            for var config in configs {
                if config.orderSize.isEmpty, let i = config.symbols.first.flatMap({ probe.index(of: $0) }) {
                    // Sized at the first mid; checked here with one step.
                    config.orderSize = signedDecimal(instruments[i].stepSize.mantissa, exponent: instruments[i].quantityExponent)
                }
                trial.add(StrategyRegistry.make(type: config.type, name: config.name)!, config: config)
                if let reason = trial.statuses.last?.reason, config.enabled { throw ConfigFileError(reason) }
            }
        } catch { throw fail("\(error)", code: 2) }
        return StrategyRun(
            settings: settings, instances: stacks.map(\.instance), account: stacks[0].account,
            killSwitches: stacks.compactMap { $0.trading?.killSwitch }, gate: stacks[0].trading?.gate, method: method,
            logger: logger)
    }

    /// Sizes what needs sizing, then starts the runner thread.
    func start() async throws {
        var configs = settings.strategy.strategies
        let instruments = instances.flatMap(\.config.instruments)
        let readers = try instances.map { try BooksReader(instance: $0.config.instance) }
        let books = ShmBooks(readers)
        let probe = StrategyContext(instruments: instruments, books: nil)
        for (n, config) in configs.enumerated() where config.orderSize.isEmpty {
            guard let index = config.symbols.first.flatMap({ probe.index(of: $0) }) else { continue }
            guard let mid = await Self.firstMid(books, index) else {
                throw ConfigFileError("strategy \(config.name): no live book of \(instruments[index].symbol) within 15 s to size its orders; give --order-size")
            }
            configs[n].orderSize = Self.defaultSize(instruments[index], mid: mid)
            logger.info("order size chosen", metadata: ["strategy": "\(config.name)", "order_size": "\(configs[n].orderSize)"])
        }
        let quote = instruments.first.map { Instrument.assets(ofSymbol: $0.symbol).quote } ?? "USDT"
        let figures: () -> RiskFigures? = { [processor = account?.processor] in
            guard let snapshot = processor?.store.snapshot else { return nil }
            return RiskFigures(
                dailyPnl: snapshot.pnl.dailyPnl.e8, drawdown: snapshot.pnl.maxDrawdown.e8,
                equity: snapshot.balances[quote]?.total.e8 ?? 0)
        }
        let host = try StrategyHost(
            instruments: instruments, books: books, limits: settings.strategy.limits, aggregation: method,
            clientIdPrefix: "s\(String(instances[0].generation % 1_000_000, radix: 36))x",
            measure: { DispatchTime.now().uptimeNanoseconds }, figures: figures)
        for config in configs { host.add(StrategyRegistry.make(type: config.type, name: config.name)!, config: config) }
        // Performance-weighted aggregation weighs each strategy by its realized PnL in the account.
        host.realizedPnl = { [processor = account?.processor] id in
            processor?.store.snapshot.pnlByStrategy[id].map { Double($0.realizedPnl.e8) / 1e8 }
        }
        let killSwitches = killSwitches
        let runner = try StrategyRunner(
            instances: instances, host: host, wait: settings.feed.wait == .spin ? .spin : .block,
            core: settings.cores.flatMap { $0.cores.count > 1 ? $0.cores[1] : nil },
            mode: settings.trading.mode.rawValue, aggregation: "\(method)",
            tradingState: {
                // The most restrictive of the venues' kill switches.
                let states = killSwitches.map(\.current.state)
                return states.contains(.halted) ? .halted : states.contains(.reducing) ? .reducing : .active
            }, statusPath: StrategyRunner.statusPath(instance: instances[0].config.instance))
        runner.start()
        lock.withLock { self.runner = runner }
        // SIGHUP (`engine reload`) re-reads the config file; without one there is nothing to re-read.
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "tickwire.reload"))
        source.setEventHandler { [self, runner, logger, gate, path = settings.configPath] in
            guard let path else {
                return runner.reloadRefused("the engine was started without --config: there is no file to re-read")
            }
            do {
                let reloaded = try StrategySettings.load(path: path)
                try self.check(reloaded)
                gate?.requestLimits(reloaded.limits)
                runner.requestReload(reloaded.strategies, limits: reloaded.limits, aggregation: try reloaded.method())
                logger.notice("reload requested", metadata: ["config": "\(path)"])
            } catch {
                runner.reloadRefused("\(error)")
                logger.error("reload refused: \(error)")
            }
        }
        source.resume()
        lock.withLock { reloadSignal = source }
        logger.info("strategies running", metadata: ["strategies": "\(configs.map(\.name))", "aggregation": "\(method)"])
    }

    /// Checks a reloaded configuration whole before anything takes it: the same strategies (by
    /// name and type), each configuration and the limits valid for the instruments.
    private func check(_ reloaded: StrategySettings) throws {
        let running = settings.strategy.strategies
        guard Set(reloaded.strategies.map(\.name)) == Set(running.map(\.name)), reloaded.strategies.count == running.count
        else {
            throw ConfigFileError(
                "the strategies must stay \(running.map(\.name).joined(separator: ", ")) (adding or removing one needs a restart)")
        }
        let instruments = instances.flatMap(\.config.instruments)
        let trial = try StrategyHost(instruments: instruments, books: nil, limits: reloaded.limits, clientIdPrefix: "t", measure: { 0 })
        let probe = StrategyContext(instruments: instruments, books: nil)
        for var config in reloaded.strategies {
            if config.orderSize.isEmpty, let i = config.symbols.first.flatMap({ probe.index(of: $0) }) {
                config.orderSize = signedDecimal(instruments[i].stepSize.mantissa, exponent: instruments[i].quantityExponent)
            }
            trial.add(StrategyRegistry.make(type: config.type, name: config.name)!, config: config)
            if let reason = trial.statuses.last?.reason, config.enabled { throw ConfigFileError(reason) }
        }
    }

    /// Stops the runner (it withdraws its working orders first).
    func stop() {
        let (runner, source) = lock.withLock { (self.runner, reloadSignal) }
        source?.cancel()
        runner?.stop()
    }

    /// The first live mid of an instrument, waiting up to 15 s.
    private static func firstMid(_ books: ShmBooks, _ index: Int) async -> Int64? {
        for _ in 0..<300 {
            if let top = books.levels(index, depth: 1), let bid = top.bids.first, let ask = top.asks.first {
                return (bid.price + ask.price) / 2
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// The smallest multiple of the step whose notional at `mid` is at least twice the minimum.
    static func defaultSize(_ instrument: Instrument, mid: Int64) -> String {
        let step = instrument.stepSize.mantissa
        // The minimum notional at 1e-8 (it is kept at the price exponent).
        var minimum = Int128(instrument.minNotional.mantissa)
        let shift = Int(instrument.priceExponent) - Int(RiskLimits.scale)
        for _ in 0..<abs(shift) { minimum = shift > 0 ? minimum * 10 : minimum / 10 }
        let target = max(1, 2 * Int64(clamping: minimum))
        var steps: Int64 = 1
        while LimitGuard.notional(price: mid, quantity: steps * step, instrument) < target && steps < 1_000_000_000 { steps *= 2 }
        var low = steps / 2, high = steps
        while low + 1 < high {
            let m = (low + high) / 2
            if LimitGuard.notional(price: mid, quantity: m * step, instrument) >= target { high = m } else { low = m }
        }
        return signedDecimal(high * step, exponent: instrument.quantityExponent)
    }
}

/// The books segments as strategies read them (the venues' instruments in order): a seqlocked copy
/// of the levels asked for.
final class ShmBooks: BookSource {
    private let readers: [BooksReader]
    private let owners: [(reader: Int, local: Int)]
    init(_ readers: [BooksReader]) {
        self.readers = readers
        owners = readers.enumerated().flatMap { k, r in r.instruments.indices.map { (k, $0) } }
    }
    func levels(_ global: Int, depth: Int) -> (bids: [Level], asks: [Level])? {
        let (k, instrument) = owners[global]
        let reader = readers[k]
        guard reader.feedState(instrument) == .live, let snapshot = try? reader.snapshot(instrument, levels: depth, maxRetries: 1000),
            !snapshot.stale
        else { return nil }
        return (
            snapshot.bids.map { Level(price: $0.price, quantity: $0.quantity) },
            snapshot.asks.map { Level(price: $0.price, quantity: $0.quantity) }
        )
    }
}

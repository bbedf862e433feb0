import EngineKit
import EngineModel
import ExchangeSim
import Foundation
import Logging
import MarketData
import AccountService
import Trading

/// `engine start` on a network venue: the C feed thread connects to Binance (spot or USD-M), or
/// to ExchangeSim started here on loopback, through io_uring, TLS when asked, WebSocket and the
/// venue's book sync; REST snapshots are fetched beside it.
struct NetworkRun {
    let settings: StartSettings

    /// Sets everything up, then runs the engine's services as one ServiceGroup until a signal,
    /// `--duration`, or the feed's end; the group stops them in reverse order (see `EngineServices`).
    /// With `--futures-symbols` the engine also runs the sim's USD-M market beside its spot one: a
    /// second instance (`<instance>-usdm`) with its own feed, account and order path, and the
    /// strategies see both.
    func run(signals: SignalWaiter) async throws {
        let logger = engineLogger()
        // A control address already taken stops the start before anything connects.
        try settings.control?.checkBindable()
        var sim: RunningSim?
        let target: FeedTarget
        if settings.venue == "sim", let url = settings.simURL {
            target = try settings.simTarget(url: url)
        } else if settings.venue == "sim" {
            let started = try await RunningSim.start(settings: settings, logger: logger)
            sim = started
            target = started.target
        } else {
            target = try settings.target(for: VenueKind(rawValue: settings.venue)!)
        }
        var stacks: [VenueStack] = []
        func unwind() async {
            for stack in stacks.reversed() { await stack.abort() }
            await sim?.stop()
        }
        do {
            stacks.append(try await VenueStack.start(settings: settings, target: target, logger: logger))
            if !settings.futuresSymbols.isEmpty {
                let (futures, futuresTarget) = try settings.futuresStack(spot: target)
                stacks.append(try await VenueStack.start(settings: futures, target: futuresTarget, logger: logger))
            }
        } catch {
            await unwind()
            throw error
        }
        let spot = stacks[0]
        let strategies: StrategyRun?
        do {
            strategies = try StrategyRun.prepare(
                settings: settings, stacks: stacks.map { ($0.instance, $0.account, $0.trading) }, logger: logger)
        } catch {
            await unwind()
            throw error
        }
        for stack in stacks { stack.instance.setState(.live) }
        var control: ControlRun?
        if let options = settings.control {
            do {
                control = try ControlRun.prepare(options: options, stacks: stacks, runsStrategies: strategies != nil, logger: logger)
            } catch {
                await unwind()
                throw error
            }
        }
        for stack in stacks {
            let t = stack.target
            let url = "\(t.webSocket.tls ? "wss" : "ws")://\(t.webSocket.host):\(t.webSocket.port)\(t.webSocket.path)"
            announce(stack.instance, stack.settings, venueLine: "\(stack.settings.venue) at \(url)")
        }
        let services = EngineServices(
            stacks: stacks, sim: sim, strategies: strategies, control: control, signals: signals, duration: settings.duration, logger: logger)
        let outcome = await services.run()
        for stack in stacks { stack.instance.shutdown(keepSegments: settings.keepSegments) }
        print(
            "engine: stopped (\(outcome.reason)); \(spot.supervisor.snapshotsPosted) snapshots; segments \(settings.keepSegments ? "kept" : "removed")"
        )
        if let error = outcome.error { throw fail(error) }
    }
}

/// One venue's part of a running engine: its instance (segments), feed, account and order path.
struct VenueStack: Sendable {
    let settings: StartSettings
    let target: FeedTarget
    let instance: EngineInstance
    let supervisor: FeedSupervisor
    let account: AccountRun?
    let trading: TradingRun?

    /// Lists the instruments, creates the instance, starts the feed, the account and the order path.
    static func start(settings: StartSettings, target: FeedTarget, logger: Logger) async throws -> VenueStack {
        let instruments: [Instrument]
        let assets: [(base: String, quote: String)]
        do {
            (instruments, assets) = try await FeedSupervisor.catalog(target: target, symbols: settings.symbols)
        } catch {
            throw fail("cannot list instruments from \(target.rest.base): \(error)", code: 1)
        }
        let config = InstanceConfig(
            instance: settings.instance, instruments: instruments, depth: settings.depth, mdSlots: settings.ringSlots)
        // A dead engine's journal is read before its segments are replaced: its open orders come along.
        let recovered = settings.trading.mode == .live ? Recovery.openOrders(instance: settings.instance) : nil
        // … and what it journaled that its recorder had not stored yet.
        let previous = settings.trading.mode == .off ? nil : PreviousJournal.read(instance: settings.instance)
        let instance = try createInstance(config)
        let supervisor: FeedSupervisor
        do {
            supervisor = try FeedSupervisor(instance: instance, target: target, feed: settings.feed, logger: logger)
            try supervisor.start()
        } catch {
            instance.shutdown(keepSegments: false)
            throw fail("\(error)")
        }
        var account: AccountRun?
        let trading: TradingRun?
        do {
            if settings.trading.mode != .off {
                account = try AccountRun.start(
                    settings: settings, instance: instance, target: target, assets: assets, previous: previous,
                    logger: logger)
            }
            trading = try await TradingRun.start(
                settings: settings, instance: instance, target: target, recovered: recovered, account: account,
                logger: logger)
        } catch {
            await account?.stop()
            try? await supervisor.stop()
            instance.shutdown(keepSegments: false)
            throw error
        }
        if let account, let service = trading?.service {
            account.processor.onUnknownOrders { ids in service.askVenue(about: ids) }
        }
        return VenueStack(
            settings: settings, target: target, instance: instance, supervisor: supervisor, account: account,
            trading: trading)
    }

    /// Stops what `start` started (a later part failed to start).
    func abort() async {
        trading?.stop()
        await account?.stop()
        try? await supervisor.stop()
        instance.shutdown(keepSegments: false)
    }
}

/// ExchangeSim serving in this process, for `--venue sim`.
struct RunningSim {
    let server: ExchangeSimServer
    let task: Task<Void, Error>
    let target: FeedTarget

    static func start(settings: StartSettings, logger: Logger) async throws -> RunningSim {
        var listed: [SimSymbol] = []
        for symbol in settings.symbols {
            guard let entry = SimSymbol.named(symbol) else {
                let known = SimSymbol.builtIn.map(\.symbol).joined(separator: ",")
                throw fail("unknown symbol '\(symbol)' for the sim; known: \(known)", code: 2)
            }
            listed.append(entry)
        }
        var configuration = ExchangeSimServer.Configuration(host: "127.0.0.1", port: 0, symbols: listed, seed: settings.seed)
        configuration.participantIntervalMillis = 20
        if settings.simTLS { configuration.tls = .init() }
        let server: ExchangeSimServer
        do { server = try ExchangeSimServer(configuration: configuration) } catch {
            throw fail("cannot build the sim: \(error)")
        }
        let task = Task { try await server.run() }
        let port = await server.port()
        guard port > 0 else { throw fail("the sim could not bind 127.0.0.1") }
        // Over TLS the feed and the snapshot client verify the sim's certificate with its CA.
        let target = FeedTarget(
            venue: .sim, webSocket: try! WebSocketEndpoint(parsing: "\(server.webSocketScheme)://127.0.0.1:\(port)/stream"),
            rest: try! RESTEndpoint(parsing: "\(server.httpScheme)://127.0.0.1:\(port)"), caFile: server.caCertificatePath,
            snapshotLimit: settings.snapshotLimit)
        var metadata: Logger.Metadata = ["url": "\(target.rest.base)"]
        if let ca = server.caCertificatePath { metadata["ca"] = "\(ca)" }
        logger.info("sim listening", metadata: metadata)
        return RunningSim(server: server, task: task, target: target)
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

/// The engine's logger: one line per event on stderr.
func engineLogger() -> Logger {
    LoggingBootstrap.once
    var logger = Logger(label: "engine")
    logger.logLevel = ProcessInfo.processInfo.environment["TICKWIRE_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
    return logger
}

private enum LoggingBootstrap {
    static let once: Void = LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
}

/// Runs async work from synchronous code (a command's `run`), waiting for its result.
func blocking<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        box.result = await Result { try await work() }
        done.signal()
    }
    done.wait()
    return try box.result!.get()
}

private final class ResultBox<T: Sendable>: @unchecked Sendable {
    var result: Result<T, Error>?
}

extension Result where Failure == Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}

import EngineKit
import Foundation
import Logging
import MarketData
import ServiceLifecycle

/// The running engine as one ServiceGroup (swift-service-lifecycle). The group runs the
/// services side by side; when one ends (a signal, `--duration`, the feed thread's end) it shuts
/// them down gracefully in reverse order, which is the engine's shutdown order:
///
/// 1. watchdog — heartbeats the segments, waits for a signal, the duration or the feed's end;
/// 0. control — the control plane (HTTP/WebSocket API, dashboard, /metrics) stops taking requests;
/// 1a. strategies — the runner withdraws its working orders and stops;
/// 2. orders — stops intake, cancels open orders if configured (`--cancel-on-exit`), drains the
///    exec journal into the engine's board;
/// 3. gateway — stops the C order gateway thread;
/// 4. account — stops reconciliation, drains the exec journal into the account and the recorder;
/// 5. feed — stops the C feed thread and the snapshot fetcher;
/// 6. sim — stops the in-process ExchangeSim, when there is one.
struct EngineServices {
    /// One per venue (the spot one first; the sim's USD-M market beside it with `--futures-symbols`).
    let stacks: [VenueStack]
    let sim: RunningSim?
    let strategies: StrategyRun?
    let control: ControlRun?
    let signals: SignalWaiter
    let duration: Double?
    let logger: Logger

    /// Why the engine stopped, and an error to report, if any.
    struct Outcome: Sendable {
        var reason: String
        var error: String?
    }

    func run() async -> Outcome {
        let feeds = stacks.map(\.supervisor)
        let watchdog = Watchdog(instances: stacks.map(\.instance), signals: signals, duration: duration) {
            feeds.allSatisfy { $0.feed.isRunning }
        }
        let feedError = ErrorBox()
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let sim {
            services.append(.init(service: Stage(name: "sim") { await sim.stop() }, serviceName: "sim"))
        }
        for (n, stack) in stacks.enumerated() {
            let tag = n == 0 ? "" : "-\(stack.settings.venue)"
            services.append(.init(service: FeedStage(supervisor: stack.supervisor, failure: feedError), serviceName: "feed" + tag))
            if let account = stack.account {
                services.append(.init(service: Stage(name: "account") { await account.stop() }, serviceName: "account" + tag))
            }
            guard let trading = stack.trading else { continue }
            if let gateway = trading.gateway {
                services.append(
                    .init(
                        service: Stage(name: "gateway") {
                            do { try gateway.stop() } catch { trading.logger.error("gateway: \(error)") }
                        }, serviceName: "gateway" + tag))
            }
            services.append(
                .init(
                    service: Stage(name: "orders") {
                        trading.service.stop(cancelOpenOrdersWithin: trading.cancelOnExit ? 5 : nil)
                    }, serviceName: "orders" + tag))
            if let sync = trading.timeSync {
                services.append(.init(service: TimeSyncService(sync: sync), serviceName: "time-sync" + tag))
            }
        }
        if let strategies {
            // Stops before every orders stage: the runner withdraws its quotes while intake still runs.
            services.append(
                .init(service: StrategyStage(run: strategies), failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: "strategies"))
        }
        if let control {
            // Stops first (after the watchdog): nothing reads the engine's parts while they stop.
            for (n, service) in control.server.services().enumerated() {
                services.append(.init(service: service, failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: "control-\(n)"))
            }
            services.append(.init(service: Stage(name: "control-file") { control.withdraw() }, serviceName: "control-file"))
            Task { await control.announce() }
        }
        services.append(.init(service: watchdog, successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "watchdog"))
        var quiet = logger
        quiet.logLevel = .warning
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: services, logger: quiet))
        do { try await group.run() } catch {
            return Outcome(reason: watchdog.reason.value ?? "service failed", error: "\(error)")
        }
        return Outcome(reason: watchdog.reason.value ?? "shut down", error: feedError.value)
    }
}

/// A part already started during setup: it waits for the group's graceful shutdown, then stops.
struct Stage: Service {
    let name: String
    let stop: @Sendable () async -> Void

    func run() async throws {
        try? await gracefulShutdown()
        await stop()
    }
}

/// The strategy runner: started once the books are live, stopped (its quotes withdrawn) before
/// the order path stops. A start that fails (no book to size orders by) ends the engine.
struct StrategyStage: Service {
    let run: StrategyRun

    func run() async throws {
        do { try await run.start() } catch {
            run.logger.error("strategies did not start: \(error)")
            throw error
        }
        try? await gracefulShutdown()
        run.stop()
    }
}

/// Re-measures the venue's clock when due, until shutdown.
struct TimeSyncService: Service {
    let sync: TimeSync

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if sync.due(now: nowNs()) { await sync.refresh() }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}

/// The feed supervisor: serves snapshots until shutdown, then stops the feed thread.
struct FeedStage: Service {
    let supervisor: FeedSupervisor
    let failure: ErrorBox

    func run() async throws {
        let serving = Task { await supervisor.run() }
        try? await gracefulShutdown()
        serving.cancel()
        do { try await supervisor.stop() } catch { failure.value = "\(error)" }
    }
}

/// Heartbeats the instance and ends (shutting the group down) on a signal, the duration, or the
/// feed thread's end, saying which.
struct Watchdog: Service {
    let instances: [EngineInstance]
    let signals: SignalWaiter
    let duration: Double?
    let feedRunning: @Sendable () -> Bool
    let reason = ErrorBox()

    init(instances: [EngineInstance], signals: SignalWaiter, duration: Double?, feedRunning: @escaping @Sendable () -> Bool) {
        self.instances = instances
        self.signals = signals
        self.duration = duration
        self.feedRunning = feedRunning
    }

    func run() async throws {
        let start = Date()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if let signal = signals.poll() {
                reason.value = signal == SIGINT ? "SIGINT" : "SIGTERM"
                return
            }
            for instance in instances { instance.heartbeat() }
            if !feedRunning() {
                reason.value = "feed thread ended"
                return
            }
            if let duration, Date().timeIntervalSince(start) >= duration {
                reason.value = "duration \(duration) s elapsed"
                return
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// A string set by one task and read after the group ends.
final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: String?
    var value: String? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

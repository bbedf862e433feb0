import EngineKit
import EngineModel
import Execution
import Foundation
import Strategy
import Synchronization

/// How the runner's thread waits for work.
public enum RunnerWait: String, Sendable {
    /// Polls without pause: lowest latency; the thread owns its core (pin it with `--cores`).
    case spin
    /// Yields while work came recently, then naps 50 µs: shares its core (the default).
    case block
}

/// The strategy runner: one thread that polls the md ring, routes events to the strategies of
/// their instrument, and submits the desk's orders through its own command lane — the same
/// intake and pre-trade risk as every producer. It reads the exec journal for its orders'
/// answers and fills. Strategy calls are timed into the stats segment (`TW_HIST_STRATEGY_EXEC`)
/// and so is md publish → command queued (`TW_HIST_STRATEGY_PATH`).
public final class StrategyRunner: @unchecked Sendable {
    /// What the runner publishes for `engine strategies` and `engine reload`.
    public struct Report: Sendable, Encodable {
        public var state: String
        public var pid: Int32
        public var updatedNs: Int64
        public var mode: String
        public var aggregation: String
        public var tradingState: String
        public var events: UInt64
        public var lapped: UInt64
        public var commands: UInt64
        public var submitFailures: UInt64
        public var rejectedByRisk: [String: Int]
        public var signalsAggregated: [String: Int]
        public var reloads: Int
        public var lastReload: String?
        public var strategies: [StrategyStatus]
    }

    private let host: StrategyHost
    /// Per instance (one per venue): its md ring, exec journal and this runner's command lane.
    private let rings: [RingReader]
    private let journals: [ExecJournalReader]
    private let producers: [CommandProducer]
    /// The host's index of each instance's first instrument.
    private let offsets: [Int]
    /// Each host instrument's instance and index there.
    private let owners: [(instance: Int, local: Int)]
    private let exec: StatsHistogramWriter
    private let path: StatsHistogramWriter
    private let wait: RunnerWait
    private let core: Int?
    private let tradingState: () -> TradingState
    private let statusPath: String?
    private let mode: String
    private var lastState: TradingState = .active
    /// Orders this runner submitted: their side and instrument, until final.
    private var mine: [String: (instrument: Int, side: Side)] = [:]
    /// Trade ids already applied (a journal may carry a fill twice), bounded.
    private struct TradeKey: Hashable {
        let instrument: Int
        let tradeId: UInt64
    }
    private var seenTrades: Set<TradeKey> = []
    private var seenOrder: [TradeKey] = []
    private var events: UInt64 = 0, lapped: UInt64 = 0, commands: UInt64 = 0, submitFailures: UInt64 = 0
    private var reloads = 0
    private var lastReload: String?
    private var lastStatusNs: Int64 = 0

    private let lock = NSLock()
    private var pendingReload: (configs: [StrategyConfig], limits: RiskLimits, aggregation: AggregationMethod)?
    /// Set by `stop`; read on every pass of the loop (no lock on the spinning thread's path).
    private let stopping = Atomic<Bool>(false)
    /// Set when a reload waits under the lock.
    private let reloadWaiting = Atomic<Bool>(false)
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)
    private var aggregationName: String

    /// A runner over `instance` with `host`'s strategies. `tradingState` reads the kill switch;
    /// `statusPath` is where the report is written (atomically) for other processes.
    public convenience init(
        instance: EngineInstance, host: StrategyHost, wait: RunnerWait, core: Int?, mode: String,
        aggregation: String, tradingState: @escaping () -> TradingState, statusPath: String?
    ) throws {
        try self.init(
            instances: [instance], host: host, wait: wait, core: core, mode: mode, aggregation: aggregation,
            tradingState: tradingState, statusPath: statusPath)
    }

    /// A runner over several instances (one per venue), whose instruments the host lists in
    /// order: the first instance's, then the next one's. Its histograms are the first instance's.
    public init(
        instances: [EngineInstance], host: StrategyHost, wait: RunnerWait, core: Int?, mode: String,
        aggregation: String, tradingState: @escaping () -> TradingState, statusPath: String?
    ) throws {
        self.host = host
        rings = try instances.map { try RingReader(instance: $0.config.instance, fromOldest: false) }
        journals = try instances.map { try ExecJournalReader(segment: $0.exec, fromOldest: false) }
        producers = try instances.map { try CommandProducer(segment: $0.cmd) }
        var offsets: [Int] = [], owners: [(Int, Int)] = []
        for (k, instance) in instances.enumerated() {
            offsets.append(owners.count)
            for local in instance.config.instruments.indices { owners.append((k, local)) }
        }
        self.offsets = offsets
        self.owners = owners
        exec = StatsHistogramWriter(instance: instances[0], .strategyExec)
        path = StatsHistogramWriter(instance: instances[0], .strategyPath)
        self.wait = wait
        self.core = core
        self.mode = mode
        self.tradingState = tradingState
        self.statusPath = statusPath
        aggregationName = aggregation
        host.onTimed = { [exec] ns in exec.record(ns) }
    }

    /// The status file of an instance: beside its segments.
    public static func statusPath(instance: String) -> String? {
        guard let md = try? Segment.path(instance: instance, kind: .md), md.hasSuffix(".md") else { return nil }
        return String(md.dropLast(3)) + ".strategies.json"
    }

    /// Starts the thread.
    public func start() {
        let thread = Thread { [self] in
            if let core { try? CoreSet.pinCurrentThread(to: core) }
            loop()
            finished.signal()
        }
        thread.name = "tickwire-strategies"
        self.thread = thread
        thread.start()
    }

    /// Asks the thread to apply new parameters and limits; the outcome shows in the report's
    /// `last_reload` (and `reloads` counts the attempts).
    public func requestReload(_ configs: [StrategyConfig], limits: RiskLimits, aggregation: AggregationMethod) {
        lock.withLock {
            pendingReload = (configs, limits, aggregation)
            reloadWaiting.store(true, ordering: .releasing)
        }
    }

    /// Records a reload refused before it reached the thread (the config file did not parse).
    public func reloadRefused(_ message: String) {
        lock.withLock {
            reloads += 1
            lastReload = "refused: \(message)"
        }
        writeStatus(force: true)
    }

    /// Stops the thread: withdraws every working order first, then writes the final report.
    public func stop() {
        guard thread != nil else { return }
        stopping.store(true, ordering: .releasing)
        finished.wait()
        thread = nil
    }

    private func loop() {
        var idle = 0
        while !stopping.load(ordering: .acquiring) {
            var worked = drainJournal()
            for k in rings.indices {
                for _ in 0..<256 {
                    guard poll(k) else { break }
                    worked = true
                }
            }
            let state = tradingState()
            if state != lastState {
                lastState = state
                submit(host.setTradingState(state), sourceNs: nil)
                worked = true
            }
            if reloadWaiting.load(ordering: .acquiring),
                let reload = lock.withLock({ () -> (configs: [StrategyConfig], limits: RiskLimits, aggregation: AggregationMethod)? in
                    defer {
                        pendingReload = nil
                        reloadWaiting.store(false, ordering: .releasing)
                    }
                    return pendingReload
                })
            {
                apply(reload)
                worked = true
            }
            writeStatus(force: false)
            if worked {
                idle = 0
            } else if wait == .block {
                idle += 1
                if idle < 2000 { sched_yield() } else { usleep(50) }
            }
        }
        submit(host.setTradingState(.halted), sourceNs: nil)
        _ = drainJournal()
        writeStatus(force: true, state: "stopped")
    }

    private func apply(_ reload: (configs: [StrategyConfig], limits: RiskLimits, aggregation: AggregationMethod)) {
        do {
            submit(try host.reload(reload.configs, limits: reload.limits, aggregation: reload.aggregation), sourceNs: nil)
            aggregationName = "\(reload.aggregation)"
            lock.withLock {
                reloads += 1
                lastReload = "applied"
            }
        } catch {
            lock.withLock {
                reloads += 1
                lastReload = "refused: \(error)"
            }
        }
        writeStatus(force: true)
    }

    /// Takes one md event of instance `k` to the strategies; false when none was waiting.
    private func poll(_ k: Int) -> Bool {
        switch rings[k].poll() {
        case .empty:
            return false
        case .lapped(let lost):
            lapped += lost
            return true
        case .restarted:
            return false
        case .event(var event):
            events += 1
            event.instrument += offsets[k]
            let update: MarketUpdate
            let published: Int64
            switch event.kind {
            case .book(let top), .bbo(let top):
                guard !top.stale else { return true }
                let quote = Quote(
                    bidPrice: top.bidPrice, bidQuantity: top.bidQuantity, askPrice: top.askPrice,
                    askQuantity: top.askQuantity)
                if case .book = event.kind {
                    update = MarketUpdate(instrument: event.instrument, timeNs: top.receiveNs, kind: .book(quote))
                } else {
                    update = MarketUpdate(instrument: event.instrument, timeNs: top.receiveNs, kind: .bbo(quote))
                }
                published = top.publishNs
            case .trade(let t):
                update = MarketUpdate(
                    instrument: event.instrument, timeNs: t.receiveNs,
                    kind: .trade(price: t.price, quantity: t.quantity, aggressor: t.aggressor))
                published = t.publishNs
            case .status, .unknown:
                return true
            }
            guard event.instrument < host.instruments.count else { return true }
            // Each order goes to its lane as soon as the host approves it.
            host.onMarket(update) { submit(CollectionOfOne($0), sourceNs: published) }
            return true
        }
    }

    /// Sends the desk's actions through the command lane.
    private func submit<Actions: Sequence<DeskAction>>(_ actions: Actions, sourceNs: Int64?) {
        for action in actions {
            let command: OrderCommand
            let target: Int
            switch action {
            case .place(let o):
                let (k, local) = owners[o.instrument]
                target = k
                command = OrderCommand(
                    op: .new, instrument: local, side: o.side, type: o.type, timeInForce: o.timeInForce,
                    price: o.price, quantity: o.quantity, strategyId: o.strategyId, clientOrderId: o.clientOrderId)
            case .cancel(let instrument, let id, let strategyId):
                let (k, local) = owners[instrument]
                target = k
                command = OrderCommand(op: .cancel, instrument: local, strategyId: strategyId, clientOrderId: id)
            }
            do {
                try producers[target].submit(command)
                commands += 1
                if case .place(let o) = action { mine[o.clientOrderId] = (o.instrument, o.side) }
                if let sourceNs {
                    let now = realtimeNs()
                    if now > sourceNs { path.record(UInt64(now - sourceNs)) }
                }
            } catch {
                submitFailures += 1
                if case .place(let o) = action { host.refused(o.clientOrderId) }
            }
        }
    }

    /// Folds new journal records about this runner's orders (and every fill, for positions).
    private func drainJournal() -> Bool {
        var any = false
        for k in journals.indices { any = drainJournal(k) || any }
        return any
    }

    private func drainJournal(_ k: Int) -> Bool {
        var any = false
        while case .record(let record) = journals[k].poll() {
            any = true
            guard case .report(var r) = record.body else { continue }
            r.instrument += offsets[k]
            if (r.type == .fill || r.type == .partialFill), r.tradeId != 0 {
                let key = TradeKey(instrument: r.instrument, tradeId: r.tradeId)
                guard !seenTrades.contains(key) else { continue }
                remember(key)
                guard let side = r.side ?? mine[r.clientOrderId]?.side, r.instrument < host.instruments.count else { continue }
                submit(
                    host.onFill(
                        StrategyFill(
                            instrument: r.instrument, clientOrderId: r.clientOrderId, side: side, price: r.price,
                            quantity: r.quantity, isMaker: r.isMaker, timeNs: r.receiveNs)), sourceNs: nil)
            }
            guard let (instrument, side) = mine[r.clientOrderId], let status = Self.status(r) else { continue }
            if status.isFinal { mine[r.clientOrderId] = nil }
            submit(
                host.onOrderUpdate(
                    OrderStatusUpdate(
                        instrument: instrument, clientOrderId: r.clientOrderId, side: side, status: status, text: r.text,
                        timeNs: r.receiveNs)), sourceNs: nil)
        }
        return any
    }

    private func remember(_ key: TradeKey) {
        seenTrades.insert(key)
        seenOrder.append(key)
        if seenOrder.count > 8192 {
            for id in seenOrder.prefix(4096) { seenTrades.remove(id) }
            seenOrder.removeFirst(4096)
        }
    }

    /// What a journal record says of an order's state, for the strategy; nil: nothing new.
    static func status(_ r: ExecReport) -> OrderStatusUpdate.Status? {
        switch r.type {
        case .rejected: return .rejected
        case .ack: return .open
        case .partialFill: return .partiallyFilled
        case .fill: return .filled
        case .canceled: return .canceled
        case .expired: return .expired
        case .status:
            switch OrderState(abiValue: r.orderState) {
            case .filled?: return .filled
            case .canceled?: return .canceled
            case .rejected?: return .rejected
            case .expired?: return .expired
            default: return nil
            }
        default: return nil
        }
    }

    /// Writes the report every 250 ms (or now), atomically (a temporary file renamed over it).
    private func writeStatus(force: Bool, state: String = "running") {
        guard let statusPath else { return }
        let now = realtimeNs()
        guard force || now - lastStatusNs >= 250_000_000 else { return }
        lastStatusNs = now
        let (reloads, lastReload) = lock.withLock { (self.reloads, self.lastReload) }
        let report = Report(
            state: state, pid: getpid(), updatedNs: now, mode: mode, aggregation: aggregationName,
            tradingState: lastState.rawValue, events: events, lapped: lapped, commands: commands,
            submitFailures: submitFailures, rejectedByRisk: host.rejectedByRisk,
            signalsAggregated: host.signalsAggregated, reloads: reloads,
            lastReload: lastReload, strategies: host.statuses)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(report) else { return }
        let temporary = statusPath + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data) else { return }
        _ = rename(temporary, statusPath)
    }
}

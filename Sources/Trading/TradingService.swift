import EngineKit
import EngineModel
import Execution
import Foundation
import Logging

/// The order path's Swift thread: folds the exec journal into the engine's board of orders
/// (and marks it consumed), then runs waiting commands through the intake. One thread, so the
/// board the intake checks against is never torn; other threads read copies.
public final class TradingService: @unchecked Sendable {
    private let intake: OrderIntake
    private let journal: ExecJournalReader
    private let instance: EngineInstance
    private let route: OrderRoute
    private let logger: Logger
    private var board: OrderBoard
    private let lock = NSLock()
    private var published: OrderBoard
    private var thread: Thread?
    private let stopFlag = ManagedAtomicFlag()
    private let finished = DispatchSemaphore(value: 0)
    /// Set by `stop` before the flag: the loop's last act is to cancel open orders until then.
    private var cancelDeadline: Date?
    /// Orders to ask the venue about once the route is ready (recovered after a restart).
    private var recoveryQueries: [String]
    /// Orders another thread asked about (reconciliation found them open here, not at the venue).
    private var askedQueries: [String] = []
    /// Sees every journal record after the board (the risk gate's breaker learns from them).
    private let observe: (ExecRecord) -> Void
    /// Where this thread reports what it consumed (nil: it is the journal's only consumer).
    private let consumption: (shared: JournalConsumption, index: Int)?

    /// A service over an instance, routing approved orders through `route`.
    public init(
        instance: EngineInstance, route: OrderRoute, check: @escaping PreTradeCheck, mid: @escaping (Int) -> Price?,
        logger: Logger, recoveryQueries: [String] = [], observe: @escaping (ExecRecord) -> Void = { _ in },
        consumption: (shared: JournalConsumption, index: Int)? = nil, killSwitch: KillSwitch? = nil
    ) throws {
        self.consumption = consumption
        self.recoveryQueries = recoveryQueries
        self.observe = observe
        self.instance = instance
        self.route = route
        self.logger = logger
        journal = try ExecJournalReader(segment: instance.exec, fromOldest: true)
        board = OrderBoard(instruments: instance.config.instruments)
        published = board
        intake = OrderIntake(
            instance: instance, route: route, check: check, mid: mid,
            idPrefix: "tw\(String(instance.generation % 1_000_000_000, radix: 36))x", killSwitch: killSwitch)
    }

    /// A copy of the board as of the last pass.
    public var orders: OrderBoard {
        lock.lock()
        defer { lock.unlock() }
        return published
    }

    /// Asks the venue about orders (`order.status`) on the order thread: their answers reach the
    /// journal like any other. Callable from any thread.
    public func askVenue(about clientOrderIds: [String]) {
        lock.withLock { askedQueries += clientOrderIds }
    }

    /// Starts the thread.
    public func start() {
        let thread = Thread { [self] in
            loop()
            finished.signal()
        }
        thread.name = "tickwire-orders"
        self.thread = thread
        thread.start()
    }

    /// Stops intake, drains what the journal already holds, and waits for the thread. With
    /// `cancelOpenOrdersWithin`, first cancels every open order and waits (at most that long) for
    /// the venue's answers to reach the journal.
    public func stop(cancelOpenOrdersWithin seconds: Double? = nil) {
        guard thread != nil else { return }
        if let seconds { cancelDeadline = Date().addingTimeInterval(seconds) }
        stopFlag.set()
        finished.wait()
        thread = nil
    }

    private func loop() {
        var idle = 0
        var dirty = false
        while !stopFlag.isSet {
            var worked = drainJournal()
            for _ in 0..<64 where intake.step(board: board) { worked = true }
            intake.settle(board: board)
            // Between commands the route may work on its own (simulation: resting orders fill as
            // the book moves); what it journals is folded on the next pass.
            if route.poll(now: Int64(Date().timeIntervalSince1970 * 1_000_000_000)) { worked = true }
            for id in board.takeQueries() { query(id) }
            let asked: [String] = lock.withLock {
                defer { askedQueries = [] }
                return askedQueries
            }
            for id in asked { query(id) }
            if !recoveryQueries.isEmpty && route.isReady {
                for id in recoveryQueries { query(id) }
                recoveryQueries = []
            }
            if worked {
                idle = 0
                dirty = true
            } else {
                // Copies for other threads are made when the path goes quiet, never per command: a
                // copy made while the board is then mutated again would copy every order each time.
                if dirty {
                    publish()
                    dirty = false
                }
                // Yield while commands came recently, then sleep in short naps: this thread shares a
                // core on small machines, and a producer in another process has no way to wake it.
                idle += 1
                if idle < 2000 { sched_yield() } else { usleep(50) }
            }
        }
        _ = drainJournal()
        if let deadline = cancelDeadline { cancelOpenOrders(until: deadline) }
        _ = drainJournal()
        publish()
    }

    /// Applies every new journal record to the board; the engine has then consumed them.
    private func drainJournal() -> Bool {
        var any = false
        while case .record(let record) = journal.poll() {
            board.apply(record)
            observe(record)
            any = true
        }
        if any {
            if let consumption {
                consumption.shared.consumed(consumption.index, upTo: board.lastSeq)
            } else {
                instance.exec.setExecConsumed(board.lastSeq)
            }
        }
        return any
    }

    /// Cancel-on-exit: one cancel per open order (USD-M's WebSocket API has no cancel-all), then
    /// the journal is folded until none is open or the deadline passes (what is left is logged).
    private func cancelOpenOrders(until deadline: Date) {
        let open = board.keeper.openOrders
        guard !open.isEmpty else { return }
        for order in open {
            _ = route.cancel(
                OrderCommand(
                    op: .cancel, instrument: Int(order.instrumentIndex), clientOrderId: order.clientOrderId,
                    targetId: order.venueOrderId ?? 0), producer: 0)
        }
        while !board.keeper.openOrders.isEmpty && Date() < deadline {
            if !drainJournal() { usleep(1000) }
        }
        let left = board.keeper.openOrders.map(\.clientOrderId)
        if left.isEmpty {
            logger.notice("open orders canceled on exit", metadata: ["orders": "\(open.count)"])
        } else {
            logger.error("orders still open after cancel-on-exit", metadata: ["client_order_ids": "\(left)"])
        }
    }

    private func query(_ clientOrderId: String) {
        guard let order = board.order(clientOrderId: clientOrderId) else { return }
        logger.warning("asking the venue about an order", metadata: ["client_order_id": "\(clientOrderId)", "state": "\(order.state)"])
        _ = route.queryStatus(
            OrderCommand(
                op: .cancel, instrument: Int(order.instrumentIndex), clientOrderId: clientOrderId,
                targetId: order.venueOrderId ?? 0))
    }

    private func publish() {
        lock.lock()
        published = board
        lock.unlock()
    }
}

/// A flag set once by one thread and polled by another.
final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() {
        lock.lock()
        value = true
        lock.unlock()
    }
    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}

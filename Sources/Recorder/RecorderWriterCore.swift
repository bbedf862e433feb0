import Foundation
import Synchronization

/// The writer's state and its thread's loop; `RecorderWriter` is the handle users hold, so the
/// thread (which holds the core) never keeps the handle alive.
///
/// Locking: `condition` orders waiting and waking; `state` is only changed while `condition` is
/// held (condition first, then the mutex), so a waiter never misses the change it waits for. The
/// counters are read under the mutex alone.
final class RecorderWriterCore: Sendable {
    struct State: Sendable {
        var queue: ItemRing
        var submitted: UInt64 = 0
        var written: UInt64 = 0
        var inFlight = 0
        var batches = 0
        var stalls = 0
        var failures = 0
        var lastError: RecorderError?
        var unreported: RecorderError?
        var stopping = false
        var finished = false
    }

    let state: Mutex<State>
    private let condition = NSCondition()
    private let store: any RecorderStore
    private let batchLimit: Int

    init(store: any RecorderStore, capacity: Int, batchLimit: Int) {
        self.store = store
        self.batchLimit = batchLimit
        state = Mutex(State(queue: ItemRing(capacity: capacity)))
    }

    func submit(_ item: RecorderItem) {
        condition.lock()
        var stalled = false
        while true {
            let queued: Bool? = state.withLock { s in
                if s.stopping { return nil }
                if s.queue.isFull { return false }
                s.queue.push(item)
                s.submitted += 1
                if stalled { s.stalls += 1 }
                return true
            }
            switch queued {
            case true?:
                condition.broadcast()
                condition.unlock()
                return
            case false?:
                stalled = true
                condition.wait()
            case nil:
                condition.unlock()
                writeDirectly(item)
                return
            }
        }
    }

    func flush() throws(RecorderError) {
        condition.lock()
        defer { condition.unlock() }
        let target = state.withLock { $0.submitted }
        while true {
            let (done, error): (Bool, RecorderError?) = state.withLock { s in
                if let error = s.unreported {
                    s.unreported = nil
                    return (true, error)
                }
                return (s.written >= target || s.finished, nil)
            }
            if let error { throw error }
            if done { return }
            condition.wait()
        }
    }

    func stop() {
        condition.lock()
        state.withLock { $0.stopping = true }
        condition.broadcast()
        while !state.withLock({ $0.finished }) {
            condition.wait()
        }
        condition.unlock()
    }

    /// The thread: take a batch, write it (retrying), until stopped and drained.
    func run() {
        while let batch = nextBatch() {
            write(batch)
        }
        condition.lock()
        state.withLock { $0.finished = true }
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for items; nil when stopping with nothing left.
    private func nextBatch() -> [RecorderItem]? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            let (items, stopping) = state.withLock { s in
                let items = s.queue.pop(upTo: batchLimit)
                s.inFlight = items.count
                return (items, s.stopping)
            }
            if !items.isEmpty {
                condition.broadcast()
                return items
            }
            if stopping { return nil }
            condition.wait()
        }
    }

    private func write(_ items: [RecorderItem]) {
        var pause = 0.010
        while true {
            do {
                try store.write(RecorderBatch(items: items))
                update { s in
                    s.written += UInt64(items.count)
                    s.batches += 1
                    s.inFlight = 0
                }
                return
            } catch {
                let stopping = update { s in
                    s.failures += 1
                    s.lastError = error
                    if s.unreported == nil { s.unreported = error }
                    if s.stopping { s.inFlight = 0 }
                    return s.stopping
                }
                if stopping { return }
                condition.lock()
                if !state.withLock({ $0.stopping }) { _ = condition.wait(until: Date(timeIntervalSinceNow: pause)) }
                condition.unlock()
                pause = min(pause * 2, 1.0)
            }
        }
    }

    /// After `stop()`: writes one item on the caller's thread.
    private func writeDirectly(_ item: RecorderItem) {
        do {
            try store.write(RecorderBatch(items: [item]))
            update { s in
                s.submitted += 1
                s.written += 1
                s.batches += 1
            }
        } catch {
            update { s in
                s.failures += 1
                s.lastError = error
                if s.unreported == nil { s.unreported = error }
            }
        }
    }

    /// Changes the state under the condition and wakes every waiter.
    @discardableResult
    private func update<T: Sendable>(_ change: (inout State) -> T) -> T {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        return state.withLock { change(&$0) }
    }
}

/// A fixed-capacity FIFO of recorder items: the writer's bounded queue. Taking a batch off the
/// front moves only the items taken, whatever the queue holds behind them.
struct ItemRing: Sendable {
    private var slots: [RecorderItem?]
    private var head = 0
    /// How many items are queued.
    private(set) var count = 0

    /// An empty ring of `capacity` (≥ 1) slots.
    init(capacity: Int) {
        precondition(capacity >= 1, "a recorder queue needs at least one slot")
        slots = Array(repeating: nil, count: capacity)
    }

    /// The number of slots.
    var capacity: Int { slots.count }

    /// Whether another item would not fit.
    var isFull: Bool { count == slots.count }

    /// Appends `item`. - Precondition: not full.
    mutating func push(_ item: RecorderItem) {
        precondition(!isFull, "push into a full recorder queue")
        slots[(head + count) % slots.count] = item
        count += 1
    }

    /// Removes and returns up to `limit` items from the front, oldest first.
    mutating func pop(upTo limit: Int) -> [RecorderItem] {
        let taken = min(limit, count)
        var items: [RecorderItem] = []
        items.reserveCapacity(taken)
        for _ in 0..<taken {
            if let item = slots[head].take() { items.append(item) }
            head = (head + 1) % slots.count
        }
        count -= taken
        return items
    }
}

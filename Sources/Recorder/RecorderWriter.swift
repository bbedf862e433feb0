import Foundation
import Synchronization

/// The recorder's own thread: takes items from a bounded queue and writes them to a store in
/// batches, one transaction per wake-up (up to `batchLimit` items).
///
/// `submit` never drops an item: when the queue is full it blocks its caller (the account
/// processor, off the hot path) until the thread has made room, and counts a stall. A batch that
/// fails to write is kept and retried with a growing pause (10 ms up to 1 s) until it is stored,
/// so a full disk stalls the recorder instead of losing fills; `lastError` and `flush()` say why.
/// Call `stop()` to drain the queue and end the thread (dropping the writer does it too).
public final class RecorderWriter: Sendable {
    private let core: RecorderWriterCore

    /// Starts the thread writing to `store` through a queue of `capacity` items, at most
    /// `batchLimit` items a transaction.
    public init(store: any RecorderStore, capacity: Int = 65_536, batchLimit: Int = 1_024) {
        precondition(batchLimit >= 1, "a recorder batch holds at least one item")
        core = RecorderWriterCore(store: store, capacity: capacity, batchLimit: batchLimit)
        let core = self.core
        let thread = Thread { core.run() }
        thread.name = "tickwire.recorder"
        thread.start()
    }

    deinit { core.stop() }

    /// Queues `item`, blocking while the queue is full. After `stop()` the item is written on the
    /// caller's thread instead (a write error lands in `lastError`).
    public func submit(_ item: RecorderItem) { core.submit(item) }

    /// Waits until every item submitted before the call is written, then returns; throws the first
    /// write error no earlier `flush()` has reported (even when a retry has since stored the batch).
    public func flush() throws(RecorderError) { try core.flush() }

    /// Writes what is queued, then ends the thread; waits for it. A batch that still fails while
    /// stopping is given up (its journal mark was not stored, so a restart replays it). Idempotent.
    public func stop() { core.stop() }

    /// Items written.
    public var written: Int { core.state.withLock { Int($0.written) } }

    /// Transactions committed.
    public var batches: Int { core.state.withLock { $0.batches } }

    /// Submits that found the queue full and had to wait.
    public var stalls: Int { core.state.withLock { $0.stalls } }

    /// Write attempts that failed (each retried).
    public var failures: Int { core.state.withLock { $0.failures } }

    /// The most recent write error (nil: none yet).
    public var lastError: RecorderError? { core.state.withLock { $0.lastError } }

    /// Items submitted and not yet written (queued or in the transaction being written).
    public var lag: Int { core.state.withLock { $0.queue.count + $0.inFlight } }
}

import Foundation

/// One WebSocket connection's outbound messages: a FIFO the hub fills and the connection's
/// writer drains with `for await`.
///
/// Unlike an `AsyncStream`, a producer can also wait for room (`waitForRoom(atMost:)`): the
/// max-pace replay uses that to slow down to what the socket takes instead of dropping the
/// connection. Elements are `String`s shared with every other subscriber (no copy per
/// connection).
final class OutboundQueue: AsyncSequence, @unchecked Sendable {
    /// The queued texts.
    typealias Element = String

    /// Guards everything below.
    private let lock = NSLock()
    /// Queued elements from `head` on; compacted when the dead prefix grows.
    private var buffer: [String] = []
    /// The index of the oldest queued element.
    private var head = 0
    /// The writer, suspended because the queue was empty.
    private var consumer: CheckedContinuation<String?, Never>?
    /// Whether no more elements will be added.
    private var finished = false
    /// Producers waiting until at most `mark` elements are queued.
    private var roomWaiters: [(mark: Int, continuation: CheckedContinuation<Void, Never>)] = []

    /// An empty, open queue.
    init() {}

    /// The number of queued elements.
    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return buffer.count - head
    }

    /// Appends `text` unless more than `limit` elements are already queued (then returns
    /// false and queues nothing) or the queue is finished.
    @discardableResult
    func push(_ text: String, limit: Int = .max) -> Bool {
        lock.lock()
        if finished {
            lock.unlock()
            return true
        }
        if let consumer {
            self.consumer = nil
            lock.unlock()
            consumer.resume(returning: text)
            return true
        }
        guard buffer.count - head < limit else {
            lock.unlock()
            return false
        }
        buffer.append(text)
        lock.unlock()
        return true
    }

    /// Ends the queue: the writer drains what is queued, then sees the end; waiting
    /// producers are released.
    func finish() {
        lock.lock()
        finished = true
        let consumer = self.consumer
        self.consumer = nil
        let waiters = roomWaiters
        roomWaiters.removeAll()
        lock.unlock()
        consumer?.resume(returning: nil)
        for waiter in waiters { waiter.continuation.resume() }
    }

    /// Waits until at most `mark` elements are queued (or the queue is finished).
    func waitForRoom(atMost mark: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            lock.lock()
            if finished || buffer.count - head <= mark {
                lock.unlock()
                continuation.resume()
            } else {
                roomWaiters.append((mark, continuation))
                lock.unlock()
            }
        }
    }

    /// Moves up to `max` − `batch.count` queued elements to `batch` without waiting.
    func drain(into batch: inout [String], max: Int) {
        lock.lock()
        let take = Swift.min(Swift.max(0, max - batch.count), buffer.count - head)
        if take > 0 {
            batch.append(contentsOf: buffer[head..<(head + take)])
            head += take
            if head == buffer.count {
                buffer.removeAll(keepingCapacity: true)
                head = 0
            }
        }
        let released = releasedWaiters()
        lock.unlock()
        for waiter in released { waiter.resume() }
    }

    /// The next element, waiting for one; nil once finished and drained.
    func next() async -> String? {
        await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
            lock.lock()
            if head < buffer.count {
                let text = buffer[head]
                head += 1
                if head == buffer.count {
                    buffer.removeAll(keepingCapacity: true)
                    head = 0
                } else if head >= 4096 && head * 2 >= buffer.count {
                    buffer.removeFirst(head)
                    head = 0
                }
                let released = releasedWaiters()
                lock.unlock()
                for waiter in released { waiter.resume() }
                continuation.resume(returning: text)
            } else if finished {
                lock.unlock()
                continuation.resume(returning: nil)
            } else {
                consumer = continuation
                let released = releasedWaiters()
                lock.unlock()
                for waiter in released { waiter.resume() }
            }
        }
    }

    /// Removes and returns the producers whose mark is now met. Call with the lock held.
    private func releasedWaiters() -> [CheckedContinuation<Void, Never>] {
        guard !roomWaiters.isEmpty else { return [] }
        let queued = buffer.count - head
        var released: [CheckedContinuation<Void, Never>] = []
        roomWaiters.removeAll { waiter in
            guard queued <= waiter.mark else { return false }
            released.append(waiter.continuation)
            return true
        }
        return released
    }

    /// Iterates the queue until it is finished and drained.
    struct AsyncIterator: AsyncIteratorProtocol {
        /// The queue read.
        let queue: OutboundQueue

        /// The next element; nil at the end.
        mutating func next() async -> String? { await queue.next() }
    }

    /// An iterator over the queue (a queue has one reader).
    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(queue: self) }
}

import Foundation

/// A clock tests drive: the futures market's funding times and listen-key expiry follow it
/// (`FuturesConfiguration.clock`) instead of the wall clock. Advancing it wakes the venue,
/// which then settles what fell due, so a test waits for the resulting events, never sleeps.
public final class SimClock: @unchecked Sendable {
    /// Guards everything below.
    private let lock = NSLock()
    /// Milliseconds since the Unix epoch.
    private var millis: Int64
    /// Who waits for the clock to move.
    private var watchers: [Int: AsyncStream<Int64>.Continuation] = [:]
    /// The next watcher id.
    private var nextWatcher = 0

    /// A clock standing at `millis`.
    public init(millis: Int64) {
        self.millis = millis
    }

    /// The time, in milliseconds since the Unix epoch.
    public var now: Int64 { lock.withLock { millis } }

    /// Moves the clock forward by `delta` ms and wakes the watchers.
    public func advance(byMillis delta: Int64) {
        set(lock.withLock { millis } + delta)
    }

    /// Sets the time (it may not go back) and wakes the watchers.
    public func set(_ newMillis: Int64) {
        let targets = lock.withLock { () -> [AsyncStream<Int64>.Continuation] in
            millis = max(millis, newMillis)
            return Array(watchers.values)
        }
        let time = now
        for target in targets { target.yield(time) }
    }

    /// Every later time the clock is set to (newest kept when the reader lags).
    func changes() -> AsyncStream<Int64> {
        let (stream, continuation) = AsyncStream<Int64>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = lock.withLock {
            nextWatcher += 1
            watchers[nextWatcher] = continuation
            return nextWatcher
        }
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            _ = self.lock.withLock { self.watchers.removeValue(forKey: id) }
        }
        return stream
    }
}

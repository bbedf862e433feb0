import Foundation

/// A one-shot signal: the replay waits on it until `needed` connections have subscribed to a
/// recorded stream (or the server shuts down).
final class ReplayTrigger: @unchecked Sendable {
    /// Guards everything below.
    private let lock = NSLock()
    /// Whether it fired.
    private var fired = false
    /// The connections that subscribed so far (per hub, hence the hub's identity in the key).
    private var arrived: Set<String> = []
    /// How many connections fire it.
    let needed: Int
    /// The tasks waiting.
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// An unfired trigger that fires once `needed` connections arrived.
    init(needed: Int = 1) {
        self.needed = max(1, needed)
    }

    /// Notes that connection `id` of hub `hub` subscribed to a recorded stream; fires when
    /// enough distinct connections did.
    func arrived(_ id: Int, hub: ObjectIdentifier) {
        lock.lock()
        arrived.insert("\(hub)-\(id)")
        let enough = arrived.count >= needed
        lock.unlock()
        if enough { fire() }
    }

    /// Fires it (again is harmless) and wakes the waiters.
    func fire() {
        lock.lock()
        guard !fired else {
            lock.unlock()
            return
        }
        fired = true
        let waiting = waiters
        waiters.removeAll()
        lock.unlock()
        for waiter in waiting { waiter.resume() }
    }

    /// Waits until it fired.
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            lock.lock()
            if fired {
                lock.unlock()
                continuation.resume()
            } else {
                waiters.append(continuation)
                lock.unlock()
            }
        }
    }
}

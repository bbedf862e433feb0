import Synchronization

/// One change as a subscriber receives it (seed 000 AccountBroadcastMessage).
public struct AccountBroadcast: Sendable, Hashable {
    /// "balance.update", "position.update", "order.update", "order.fill", "order.closed",
    /// "pnl.update" or "heartbeat" (`AccountChange.topic`).
    public var topic: String
    /// The snapshot version the change belongs to.
    public var version: UInt64
    /// What changed.
    public var change: AccountChange
    /// The symbol it concerns; nil for balances, PnL and heartbeats.
    public var symbol: String?

    /// A broadcast of `change` at `version`, with its topic and symbol.
    public init(_ change: AccountChange, version: UInt64) {
        topic = change.topic
        self.version = version
        self.change = change
        symbol = change.symbol
    }
}

/// Fans the account processor's changes out to subscribers (WebSocket connections, a recorder),
/// each with its own bounded queue (seed 000 AccountBroadcaster).
///
/// Publishing never blocks and never waits for a subscriber: a subscriber whose queue has no room
/// for what is published is dropped (its subscription reports `.dropped` and yields nothing more;
/// it resynchronises from a snapshot) and `backpressureDrops` counts it. Locks are held only to
/// copy the subscriber list and to put messages in one queue.
public final class AccountBroadcaster: Sendable {
    private let subscribers = Mutex<[AccountSubscription]>([])
    private let drops = Atomic<Int>(0)

    /// A broadcaster without subscribers.
    public init() {}

    /// Subscribers dropped because their queue was full.
    public var backpressureDrops: Int { drops.load(ordering: .relaxed) }

    /// Active subscribers.
    public var subscriberCount: Int { subscribers.withLock { $0.count } }

    /// A new subscription with a queue of `capacity` messages, receiving the changes whose topic is
    /// in `topics` (nil: every topic) and whose symbol is in `symbols` (nil: every symbol; changes
    /// without a symbol — balances, PnL, heartbeats — pass a symbol filter).
    public func subscribe(capacity: Int = 1024, topics: Set<String>? = nil, symbols: Set<String>? = nil)
        -> AccountSubscription
    {
        let subscription = AccountSubscription(capacity: capacity, topics: topics, symbols: symbols)
        subscribers.withLock { $0.append(subscription) }
        return subscription
    }

    /// Publishes what one `AccountBook.apply` changed, at the snapshot `version` it made.
    public func publish(_ changes: [AccountChange], version: UInt64) {
        guard !changes.isEmpty else { return }
        let broadcasts = changes.map { AccountBroadcast($0, version: version) }
        let targets = subscribers.withLock { $0 }
        var gone: [ObjectIdentifier] = []
        for subscription in targets {
            switch subscription.offer(broadcasts) {
            case .delivered: break
            case .dropped:
                drops.wrappingAdd(1, ordering: .relaxed)
                gone.append(ObjectIdentifier(subscription))
            case .closed: gone.append(ObjectIdentifier(subscription))
            }
        }
        guard !gone.isEmpty else { return }
        subscribers.withLock { list in list.removeAll { gone.contains(ObjectIdentifier($0)) } }
    }

    /// Publishes a heartbeat on the "heartbeat" topic (seed 000: lets clients detect a dead stream).
    public func heartbeat(version: UInt64, ns: Int64) {
        publish([.heartbeat(ns: ns)], version: version)
    }
}

/// One subscriber's bounded queue of broadcasts. One consumer: `poll()` from a loop or `next()`
/// from a task, not both at once.
public final class AccountSubscription: Sendable {
    /// Where a subscription stands.
    public enum Status: Sendable, Hashable {
        /// Receiving.
        case active
        /// Its queue was full: it missed changes and receives nothing more.
        case dropped
        /// `cancel()` was called.
        case cancelled
    }

    /// What `offer` did.
    enum Offer { case delivered, dropped, closed }

    private struct State {
        var items: [AccountBroadcast] = []
        /// The first item not yet taken.
        var head = 0
        var status = Status.active
        /// A `next()` waiting for an item (only while the queue is empty).
        var waiter: CheckedContinuation<AccountBroadcast?, Never>?

        var count: Int { items.count - head }

        mutating func pop() -> AccountBroadcast? {
            guard head < items.count else { return nil }
            let item = items[head]
            head += 1
            if head == items.count {
                items.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 64, head * 2 >= items.count {
                items.removeFirst(head)
                head = 0
            }
            return item
        }

        /// Ends the subscription: the queue is emptied and a waiting `next()` is handed back.
        mutating func close(_ status: Status) -> CheckedContinuation<AccountBroadcast?, Never>? {
            self.status = status
            items = []
            head = 0
            defer { waiter = nil }
            return waiter
        }
    }

    /// How many broadcasts the queue holds at most.
    public let capacity: Int
    /// The topics received (nil: all).
    public let topics: Set<String>?
    /// The symbols received (nil: all; changes without a symbol always pass).
    public let symbols: Set<String>?
    private let state = Mutex(State())

    init(capacity: Int, topics: Set<String>?, symbols: Set<String>?) {
        precondition(capacity > 0, "a subscription needs room for at least one broadcast")
        self.capacity = capacity
        self.topics = topics
        self.symbols = symbols
    }

    /// Where the subscription stands.
    public var status: Status { state.withLock { $0.status } }

    /// Broadcasts waiting to be taken.
    public var pending: Int { state.withLock { $0.count } }

    /// The oldest waiting broadcast, or nil at once when there is none (or the subscription ended).
    public func poll() -> AccountBroadcast? { state.withLock { $0.pop() } }

    /// The next broadcast, waiting for one; nil once the subscription is dropped or cancelled, or
    /// when the calling task is cancelled.
    public func next() async -> AccountBroadcast? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<AccountBroadcast?, Never>) in
                let ready: AccountBroadcast?? = state.withLock { s in
                    if let item = s.pop() { return .some(item) }
                    if s.status != .active || Task.isCancelled { return .some(nil) }
                    precondition(s.waiter == nil, "AccountSubscription.next() called by two consumers at once")
                    s.waiter = continuation
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiter = state.withLock { s in
                defer { s.waiter = nil }
                return s.waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    /// Stops receiving; a waiting `next()` returns nil. The broadcaster forgets it at its next publish.
    public func cancel() {
        let waiter: CheckedContinuation<AccountBroadcast?, Never>? = state.withLock { s in
            s.status == .active ? s.close(.cancelled) : nil
        }
        waiter?.resume(returning: nil)
    }

    /// Whether the subscription wants a broadcast.
    func accepts(_ broadcast: AccountBroadcast) -> Bool {
        if let topics, !topics.contains(broadcast.topic) { return false }
        if let symbols, let symbol = broadcast.symbol, !symbols.contains(symbol) { return false }
        return true
    }

    /// Queues the broadcasts it accepts, or drops the subscription when they do not all fit.
    func offer(_ broadcasts: [AccountBroadcast]) -> Offer {
        let wanted = broadcasts.filter(accepts)
        guard !wanted.isEmpty else { return status == .active ? .delivered : .closed }
        let (offer, waiter, first): (Offer, CheckedContinuation<AccountBroadcast?, Never>?, AccountBroadcast?) =
            state.withLock { s in
                guard s.status == .active else { return (.closed, nil, nil) }
                guard s.count + wanted.count <= capacity else { return (.dropped, s.close(.dropped), nil) }
                if let waiter = s.waiter {
                    // The queue is empty while a consumer waits: hand it the first, queue the rest.
                    s.waiter = nil
                    s.items.append(contentsOf: wanted.dropFirst())
                    return (.delivered, waiter, wanted[0])
                }
                s.items.append(contentsOf: wanted)
                return (.delivered, nil, nil)
            }
        waiter?.resume(returning: first)
        return offer
    }
}

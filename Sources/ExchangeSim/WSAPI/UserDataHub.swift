import EngineModel
import Foundation
import Matching

/// The WebSocket API connections and their user data subscriptions: every connection's
/// outbound queue (responses and events share it, so a subscription's answer always precedes
/// its first event), and the fan-out of account events to the subscriptions of that account.
///
/// The venue calls `publish` synchronously from its actor, in the order the engine produced
/// the events (for a fill: the `executionReport`s, then the `outboundAccountPosition`).
/// Delivery never waits for a client: a connection whose bounded queue overflows is dropped
/// (its writer then closes the socket) rather than slowing the venue down.
final class UserDataHub: @unchecked Sendable {
    /// Fault hooks the venue's fault injection connects to; all default to "no fault".
    struct FaultHooks: Sendable {
        /// Asked once per `executionReport` and subscribed connection (the argument is the
        /// fault injector's id of the connection, given to `connect`; nil when it has none),
        /// outside the hub's lock; `true` sends that report twice in a row on that connection
        /// (clients must de-duplicate by order id and execution id `I`).
        var shouldDuplicateExecutionReport: @Sendable (_ faultConnection: Int?) -> Bool = { _ in false }
    }

    /// Messages a connection may have queued before it is dropped as too slow.
    let queueLimit: Int
    /// The most subscriptions one connection may hold at once (Binance: 1000).
    static let maxActiveSubscriptions = 1000
    /// Guards everything below.
    private let lock = NSLock()
    /// The open connections by id.
    private var connections: [Int: Connection] = [:]
    /// The next connection id.
    private var nextId = 1
    /// The connected fault hooks.
    private var hooks = FaultHooks()

    /// One connection's state.
    private struct Connection {
        /// Its outbound queue.
        let queue: AsyncStream<String>.Continuation
        /// The fault injector's id of the connection, which the fault hooks are asked about.
        let faultConnection: Int?
        /// Active subscriptions: subscription id → account, in subscription order.
        var subscriptions: [(id: Int, account: AccountID)] = []
        /// The id the next subscription gets (0 first, as Binance numbers them).
        var nextSubscriptionId = 0
    }

    /// Why a subscription request was refused.
    enum SubscriptionRefusal: Error, Equatable {
        /// The account already has a subscription on this connection (-2035).
        case alreadyActive
        /// No such subscription on this connection (-2036).
        case notActive
        /// The connection holds the maximum number of subscriptions (-2042 … -1191 on Binance).
        case tooMany
        /// The connection is gone.
        case disconnected
    }

    /// A hub whose connections may queue `queueLimit` messages.
    init(queueLimit: Int = 4096) {
        self.queueLimit = queueLimit
    }

    /// Replaces the fault hooks; safe to call while events are being published.
    func setFaultHooks(_ hooks: FaultHooks) {
        lock.withLock { self.hooks = hooks }
    }

    /// Connects `shouldDuplicateExecutionReport` alone, leaving other hooks as they are.
    func setShouldDuplicateExecutionReport(_ decide: @escaping @Sendable (_ faultConnection: Int?) -> Bool) {
        lock.withLock { hooks.shouldDuplicateExecutionReport = decide }
    }

    // MARK: Connections

    /// Registers a connection; its id and the queue to write out. `faultConnection` is the
    /// connection's id in the fault injector (`FaultRegistry.openConnection`), if registered
    /// there, so faults scoped to it reach its events.
    func connect(faultConnection: Int? = nil) -> (id: Int, queue: AsyncStream<String>) {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingOldest(queueLimit))
        return lock.withLock {
            let id = nextId
            nextId += 1
            connections[id] = Connection(queue: continuation, faultConnection: faultConnection)
            return (id, stream)
        }
    }

    /// Forgets a connection (and its subscriptions) and ends its queue.
    func disconnect(_ id: Int) {
        let connection = lock.withLock { connections.removeValue(forKey: id) }
        connection?.queue.finish()
    }

    /// Queues a response on a connection.
    func send(_ id: Int, _ text: String) {
        lock.withLock { enqueue(text, on: id) }
    }

    /// How many connections are open.
    var connectionCount: Int { lock.withLock { connections.count } }

    // MARK: Subscriptions

    /// Subscribes a connection to `account`'s events and queues the answer `response(id)`
    /// before any event of the subscription can be queued; returns the subscription id.
    func subscribe(
        _ id: Int, account: AccountID, response: (Int) -> String
    ) -> Result<Int, SubscriptionRefusal> {
        lock.withLock {
            guard var connection = connections[id] else { return .failure(.disconnected) }
            if connection.subscriptions.contains(where: { $0.account == account }) { return .failure(.alreadyActive) }
            guard connection.subscriptions.count < Self.maxActiveSubscriptions else { return .failure(.tooMany) }
            let subscription = connection.nextSubscriptionId
            connection.nextSubscriptionId += 1
            connection.subscriptions.append((subscription, account))
            connections[id] = connection
            enqueue(response(subscription), on: id)
            return .success(subscription)
        }
    }

    /// Ends one subscription, or all of the connection's when `subscriptionId` is nil; the
    /// ids ended.
    func unsubscribe(_ id: Int, subscriptionId: Int?) -> Result<[Int], SubscriptionRefusal> {
        lock.withLock {
            guard var connection = connections[id] else { return .failure(.disconnected) }
            let ended = connection.subscriptions.filter { subscriptionId == nil || $0.id == subscriptionId }
            guard !ended.isEmpty else { return .failure(.notActive) }
            connection.subscriptions.removeAll { subscriptionId == nil || $0.id == subscriptionId }
            connections[id] = connection
            return .success(ended.map(\.id))
        }
    }

    /// The connection's active subscription ids, in subscription order.
    func subscriptions(_ id: Int) -> [Int] {
        lock.withLock { connections[id]?.subscriptions.map(\.id) ?? [] }
    }

    // MARK: Publishing

    /// Sends every user-stream event among `events` to the subscriptions of its account,
    /// wrapped `{"subscriptionId":N,"event":{…}}`, keeping the events' order. Only the venue's
    /// actor calls this, so events of successive calls never interleave.
    func publish(_ events: [VenueEvent]) {
        typealias Target = (connection: Int, subscription: Int, faultConnection: Int?)
        let (decide, targets) = lock.withLock {
            var targets: [AccountID: [Target]] = [:]
            for (id, connection) in connections.sorted(by: { $0.key < $1.key }) {
                for subscription in connection.subscriptions {
                    targets[subscription.account, default: []].append((id, subscription.id, connection.faultConnection))
                }
            }
            return (hooks.shouldDuplicateExecutionReport, targets)
        }
        guard !targets.isEmpty else { return }
        var deliveries: [(connection: Int, text: String)] = []
        for event in events {
            guard let account = event.account, let subscribers = targets[account],
                let payload = UserDataJSON.event(event)?.serialized()
            else { continue }
            for target in subscribers {
                let text = "{\"subscriptionId\":\(target.subscription),\"event\":\(payload)}"
                deliveries.append((target.connection, text))
                if case .execution = event, decide(target.faultConnection) {
                    deliveries.append((target.connection, text))
                }
            }
        }
        lock.withLock {
            for delivery in deliveries { enqueue(delivery.text, on: delivery.connection) }
        }
    }

    /// Queues `text` on connection `id`; a full queue ends the connection. Call with the lock held.
    private func enqueue(_ text: String, on id: Int) {
        guard let connection = connections[id] else { return }
        if case .dropped = connection.queue.yield(text) {
            connections.removeValue(forKey: id)
            connection.queue.finish()
        }
    }
}

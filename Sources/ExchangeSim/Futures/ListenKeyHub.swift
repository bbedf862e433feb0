import EngineModel
import Foundation
import Matching

/// The USD-M listen keys and their user data connections (`/fstream/ws/<listenKey>`): a key
/// names an account and lives `validity` ms after its last keepalive on the futures clock;
/// the account's `ORDER_TRADE_UPDATE` and `ACCOUNT_UPDATE` events go to every connection on
/// one of its keys. When a key expires its connections get `listenKeyExpired` and are closed.
///
/// Delivery never waits for a client: a connection whose bounded queue overflows is dropped.
final class ListenKeyHub: @unchecked Sendable {
    /// Why a key operation was refused.
    enum Refusal: Error, Equatable {
        /// -1125: no such key (never made, closed or expired).
        case unknownKey
    }

    /// Guards everything below.
    private let lock = NSLock()
    /// Live keys: key → (account, expiry time).
    private var keys: [String: (account: AccountID, expiresAt: Int64)] = [:]
    /// Open connections: id → (key, queue, fault-injector id).
    private var connections: [Int: (key: String, queue: AsyncStream<String>.Continuation, faultConnection: Int?)] = [:]
    private var nextId = 1
    /// Asked before each ORDER_TRADE_UPDATE on a connection (`dup-exec`): `true` sends it twice.
    private var shouldDuplicate: @Sendable (_ faultConnection: Int?) -> Bool = { _ in false }
    /// Messages a connection may have queued before it is dropped.
    let queueLimit: Int
    /// Key lifetime after a keepalive, ms.
    let validity: Int64

    /// A hub whose keys live `validity` ms.
    init(validity: Int64 = 3_600_000, queueLimit: Int = 4096) {
        self.validity = validity
        self.queueLimit = queueLimit
    }

    /// Connects the `dup-exec` decision.
    func setShouldDuplicate(_ decide: @escaping @Sendable (_ faultConnection: Int?) -> Bool) {
        lock.withLock { shouldDuplicate = decide }
    }

    /// `POST /fapi/v1/listenKey`: the account's live key (extended), or a new one.
    func start(account: AccountID, now: Int64) -> String {
        lock.withLock {
            if let (key, _) = keys.first(where: { $0.value.account == account && $0.value.expiresAt > now }) {
                keys[key] = (account, now + validity)
                return key
            }
            let key = Self.makeKey()
            keys[key] = (account, now + validity)
            return key
        }
    }

    /// `PUT /fapi/v1/listenKey`: extends the account's key (or `key` when given) by `validity`.
    func keepAlive(account: AccountID, key: String?, now: Int64) throws(Refusal) -> String {
        lock.lock()
        defer { lock.unlock() }
        guard let found = live(account: account, key: key, now: now) else { throw .unknownKey }
        keys[found] = (account, now + validity)
        return found
    }

    /// `DELETE /fapi/v1/listenKey`: closes the account's key (or `key`) and its connections.
    func close(account: AccountID, key: String?, now: Int64) throws(Refusal) {
        lock.lock()
        guard let found = live(account: account, key: key, now: now) else {
            lock.unlock()
            throw .unknownKey
        }
        keys.removeValue(forKey: found)
        let ended = dropConnections(of: found)
        lock.unlock()
        for queue in ended { queue.finish() }
    }

    /// The account's live key, or `key` if it is the account's and live. Call with the lock held.
    private func live(account: AccountID, key: String?, now: Int64) -> String? {
        if let key {
            guard let entry = keys[key], entry.account == account, entry.expiresAt > now else { return nil }
            return key
        }
        return keys.first { $0.value.account == account && $0.value.expiresAt > now }?.key
    }

    /// Whether `key` is live now (an upgrade to `/fstream/ws/<key>` is accepted).
    func isLive(_ key: String, now: Int64) -> Bool {
        lock.withLock { (keys[key]?.expiresAt ?? .min) > now }
    }

    /// Registers a connection on `key`; nil when the key is not live.
    func connect(key: String, now: Int64, faultConnection: Int?) -> (id: Int, queue: AsyncStream<String>)? {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingOldest(queueLimit))
        return lock.withLock {
            guard let entry = keys[key], entry.expiresAt > now else { return nil }
            let id = nextId
            nextId += 1
            connections[id] = (key, continuation, faultConnection)
            return (id, stream)
        }
    }

    /// Forgets a connection and ends its queue.
    func disconnect(_ id: Int) {
        let connection = lock.withLock { connections.removeValue(forKey: id) }
        connection?.queue.finish()
    }

    /// Expires every key whose time has come: its connections get `listenKeyExpired`, then close.
    func expire(now: Int64) {
        let ended = lock.withLock { () -> [AsyncStream<String>.Continuation] in
            var ended: [AsyncStream<String>.Continuation] = []
            for (key, entry) in keys where entry.expiresAt <= now {
                keys.removeValue(forKey: key)
                let text = FuturesUserJSON.listenKeyExpired(key, time: now).serialized()
                for (_, connection) in connections where connection.key == key { connection.queue.yield(text) }
                ended += dropConnections(of: key)
            }
            return ended
        }
        for queue in ended { queue.finish() }
    }

    /// Removes the connections on `key`; their queues. Call with the lock held.
    private func dropConnections(of key: String) -> [AsyncStream<String>.Continuation] {
        let ids = connections.filter { $0.value.key == key }.map(\.key)
        return ids.compactMap { connections.removeValue(forKey: $0)?.queue }
    }

    /// Sends each event to the connections on its account's keys, in order.
    func publish(_ events: [FuturesUserEvent]) {
        guard !events.isEmpty else { return }
        let (decide, targets) = lock.withLock {
            var targets: [AccountID: [(id: Int, faultConnection: Int?)]] = [:]
            for (id, connection) in connections.sorted(by: { $0.key < $1.key }) {
                guard let account = keys[connection.key]?.account else { continue }
                targets[account, default: []].append((id, connection.faultConnection))
            }
            return (shouldDuplicate, targets)
        }
        guard !targets.isEmpty else { return }
        var deliveries: [(id: Int, text: String)] = []
        for event in events {
            guard let receivers = targets[event.account] else { continue }
            let text = FuturesUserJSON.event(event).serialized()
            for receiver in receivers {
                deliveries.append((receiver.id, text))
                if event.isOrderUpdate, decide(receiver.faultConnection) { deliveries.append((receiver.id, text)) }
            }
        }
        let dropped = lock.withLock { () -> [AsyncStream<String>.Continuation] in
            var dropped: [AsyncStream<String>.Continuation] = []
            for delivery in deliveries {
                guard let connection = connections[delivery.id] else { continue }
                if case .dropped = connection.queue.yield(delivery.text) {
                    connections.removeValue(forKey: delivery.id)
                    dropped.append(connection.queue)
                }
            }
            return dropped
        }
        for queue in dropped { queue.finish() }
    }

    /// 64 random alphanumerics, as Binance's keys look.
    private static func makeKey() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<64).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }
}

/// A ring buffer keeping the newest `capacity` elements: the bounded memory behind closed-order
/// and trade history.
public struct BoundedLog<Element: Sendable>: Sendable {
    /// The most elements kept (≥ 1).
    public let capacity: Int

    /// The elements; once full, `start` is the oldest.
    private var storage: [Element] = []

    /// The index of the oldest element once the buffer is full.
    private var start = 0

    /// An empty log keeping at most `capacity` elements.
    public init(capacity: Int) {
        precondition(capacity >= 1, "a bounded log needs a capacity of at least 1")
        self.capacity = capacity
    }

    /// The number of elements kept.
    public var count: Int { storage.count }

    /// Appends an element; returns the oldest one when it had to make room.
    @discardableResult
    public mutating func append(_ element: Element) -> Element? {
        if storage.count < capacity {
            storage.append(element)
            return nil
        }
        let evicted = storage[start]
        storage[start] = element
        start = (start + 1) % capacity
        return evicted
    }

    /// The elements, oldest first.
    public var elements: [Element] { Array(storage[start...] + storage[..<start]) }

    /// The newest `limit` elements, oldest first.
    public func suffix(_ limit: Int) -> [Element] { Array(elements.suffix(limit)) }
}

/// The closed orders of one symbol: the newest `capacity` of them, findable by order id and by
/// (account, client order id), evicted oldest first.
struct OrderHistory: Sendable {
    /// Closed order ids, oldest first.
    private var log: BoundedLog<Int64>

    /// The closed orders kept.
    private var byId: [Int64: VenueOrder] = [:]

    /// The newest closed order of each client id.
    private var byClient: [ClientKey: Int64] = [:]

    /// An empty history keeping at most `capacity` orders.
    init(capacity: Int) {
        log = BoundedLog(capacity: capacity)
    }

    /// Records a closed order, forgetting the oldest when full.
    mutating func insert(_ order: VenueOrder) {
        let key = ClientKey(account: order.account, clientOrderId: order.clientOrderId)
        byId[order.orderId] = order
        byClient[key] = order.orderId
        guard let evicted = log.append(order.orderId), let old = byId.removeValue(forKey: evicted) else { return }
        let oldKey = ClientKey(account: old.account, clientOrderId: old.clientOrderId)
        if byClient[oldKey] == evicted { byClient[oldKey] = nil }
    }

    /// A closed order by id.
    func order(id: Int64) -> VenueOrder? { byId[id] }

    /// The newest closed order an account placed with a client id.
    func order(_ key: ClientKey) -> VenueOrder? { byClient[key].flatMap { byId[$0] } }

    /// The closed orders of an account, by order id.
    func orders(of account: AccountID) -> [VenueOrder] {
        byId.values.filter { $0.account == account }.sorted { $0.orderId < $1.orderId }
    }
}

/// An account's client order id, the key of duplicate detection and of queries by
/// `origClientOrderId`.
struct ClientKey: Hashable, Sendable {
    /// The owner.
    let account: AccountID
    /// The client order id.
    let clientOrderId: String
}

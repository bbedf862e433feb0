import EngineModel

// Orders and each order's most recent fills (seed 000 OrderEntry and its executions ring).

/// One fill of an order, as the order's executions ring keeps it.
public struct ExecutionFill: Hashable, Sendable {
    /// The trade price.
    public var price: Price
    /// The traded quantity.
    public var quantity: Quantity
    /// The commission, in `feeAsset`.
    public var fee: Amount
    /// The asset the commission was charged in.
    public var feeAsset: String
    /// The venue's trade id.
    public var tradeId: UInt64
    /// The venue's trade time, ns since the epoch.
    public var ns: Int64

    /// An execution from its parts.
    public init(price: Price, quantity: Quantity, fee: Amount, feeAsset: String, tradeId: UInt64, ns: Int64) {
        self.price = price
        self.quantity = quantity
        self.fee = fee
        self.feeAsset = feeAsset
        self.tradeId = tradeId
        self.ns = ns
    }

    /// The execution of a fill.
    public init(_ fill: Fill) {
        self.init(
            price: fill.price, quantity: fill.quantity, fee: fill.fee, feeAsset: fill.feeAsset, tradeId: fill.tradeId,
            ns: fill.venueNs)
    }
}

/// The last `capacity` executions of one order: storage reserved once, then overwritten in place,
/// so a burst of fills allocates nothing.
struct ExecutionRing: Sendable, Hashable {
    private var storage: [ExecutionFill] = []
    /// Where the next execution goes once the ring is full (the oldest one).
    private var next = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        storage.reserveCapacity(capacity)
    }

    /// Adds an execution, overwriting the oldest when full.
    mutating func append(_ execution: ExecutionFill) {
        if storage.count < capacity {
            storage.append(execution)
        } else {
            storage[next] = execution
            next = (next + 1) % capacity
        }
    }

    /// Oldest first.
    var elements: [ExecutionFill] { Array(storage[next...] + storage[..<next]) }
}

extension AccountBook {
    /// The most recent fills of an order (at most `settings.executionRingCapacity`), oldest first.
    public func executions(clientOrderId: String) -> [ExecutionFill] {
        executionRings[clientOrderId]?.elements ?? []
    }

    /// An order by client order id (open, or among the most recently closed).
    public func order(clientOrderId: String) -> AccountOrder? { orders[clientOrderId] }

    /// Upserts an order by client order id. An update older than the one held (`lastEventSeq`
    /// lower) or identical to it changes nothing. An order that stops being open is an
    /// `.orderClosed` change; beyond `settings.closedOrdersKept` closed orders, the oldest closed
    /// ones (and their executions) are evicted.
    mutating func applyOrder(_ order: AccountOrder, into changes: inout [AccountChange]) {
        let id = order.clientOrderId
        let old = orders[id]
        if let old, old == order || order.lastEventSeq < old.lastEventSeq { return }
        orders[id] = order
        let wasOpen = old?.isOpen ?? true
        if !order.isOpen, wasOpen {
            changes.append(.orderClosed(order))
            closedOrder.append(id)
            evictClosedOrders()
        } else {
            // A closed order open again (rare): no longer a candidate for eviction.
            if order.isOpen, !wasOpen { closedOrder.removeAll { $0 == id } }
            changes.append(.order(order))
        }
    }

    /// Drops the oldest closed orders (and their executions) beyond the number kept.
    mutating func evictClosedOrders() {
        let excess = closedOrder.count - settings.closedOrdersKept
        guard excess > 0 else { return }
        for id in closedOrder[..<excess] {
            orders[id] = nil
            executionRings[id] = nil
        }
        closedOrder.removeFirst(excess)
    }
}

/// An order resting on the book: its id and what is left of it.
struct RestingOrder: Hashable, Sendable {
    /// The venue's order id.
    let orderId: Int64
    /// The unfilled quantity mantissa (> 0 while resting).
    var remaining: Int64
}

/// One price of one side of a book: the orders resting there in arrival order (FIFO) and their
/// total quantity.
///
/// A level of a replayed book has no orders, only a displayed quantity set from the recording.
/// The queue is an array with a moving head, so taking the front order is O(1); canceling from
/// the middle is O(orders at the level).
struct PriceLevel: Sendable {
    /// The price mantissa.
    let price: Int64

    /// The total quantity mantissa at this price.
    private(set) var quantity: Int64

    /// The queue; entries before `head` are already gone.
    private var queue: [RestingOrder] = []

    /// The index of the front order in `queue`.
    private var head = 0

    /// An empty level (for orders), or a displayed one (for a replayed book).
    init(price: Int64, quantity: Int64 = 0) {
        self.price = price
        self.quantity = quantity
    }

    /// The order at the front of the queue.
    var front: RestingOrder? { head < queue.count ? queue[head] : nil }

    /// The resting orders, oldest first.
    var orders: ArraySlice<RestingOrder> { queue[head...] }

    /// Puts an order at the back of the queue.
    mutating func append(_ order: RestingOrder) {
        queue.append(order)
        quantity += order.remaining
    }

    /// Fills `amount` of the front order; returns it as it is afterwards (remaining 0 when it
    /// left the queue).
    mutating func fillFront(_ amount: Int64) -> RestingOrder {
        precondition(head < queue.count && amount > 0 && amount <= queue[head].remaining, "bad fill of a level")
        queue[head].remaining -= amount
        quantity -= amount
        let order = queue[head]
        if order.remaining == 0 { popFront() }
        return order
    }

    /// Removes an order wherever it is in the queue; returns its remaining quantity, or nil when
    /// it is not here.
    mutating func remove(orderId: Int64) -> Int64? {
        guard let index = queue[head...].firstIndex(where: { $0.orderId == orderId }) else { return nil }
        let remaining = queue[index].remaining
        quantity -= remaining
        if index == head {
            popFront()
        } else {
            queue.remove(at: index)
        }
        return remaining
    }

    /// Sets a displayed quantity (replayed books only).
    mutating func setDisplayed(_ newQuantity: Int64) {
        precondition(queue.isEmpty, "a level with orders cannot be set from a recording")
        quantity = newQuantity
    }

    /// Drops the front order, compacting the array once the dead prefix dominates.
    private mutating func popFront() {
        head += 1
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 32 && head * 2 >= queue.count {
            queue.removeFirst(head)
            head = 0
        }
    }
}

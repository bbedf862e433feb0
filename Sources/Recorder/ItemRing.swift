/// A fixed-capacity FIFO of recorder items: the writer's bounded queue. Taking a batch off the
/// front moves only the items taken, whatever the queue holds behind them.
struct ItemRing: Sendable {
    private var slots: [RecorderItem?]
    private var head = 0
    /// How many items are queued.
    private(set) var count = 0

    /// An empty ring of `capacity` (≥ 1) slots.
    init(capacity: Int) {
        precondition(capacity >= 1, "a recorder queue needs at least one slot")
        slots = Array(repeating: nil, count: capacity)
    }

    /// The number of slots.
    var capacity: Int { slots.count }

    /// Whether another item would not fit.
    var isFull: Bool { count == slots.count }

    /// Appends `item`. - Precondition: not full.
    mutating func push(_ item: RecorderItem) {
        precondition(!isFull, "push into a full recorder queue")
        slots[(head + count) % slots.count] = item
        count += 1
    }

    /// Removes and returns up to `limit` items from the front, oldest first.
    mutating func pop(upTo limit: Int) -> [RecorderItem] {
        let taken = min(limit, count)
        var items: [RecorderItem] = []
        items.reserveCapacity(taken)
        for _ in 0..<taken {
            if let item = slots[head].take() { items.append(item) }
            head = (head + 1) % slots.count
        }
        count -= taken
        return items
    }
}

import EngineModel

/// One side of a price-time priority book: its levels kept sorted in a contiguous array with
/// the best price at the end, so the hot operations — reading, filling and removing the best
/// level — are O(1), and finding any price is a binary search.
///
/// Inserting or removing a level in the middle moves the levels behind it (a memmove of a few
/// words each); with thousands of levels that stays in the microseconds, and real order flow
/// clusters near the top where the move is shortest.
struct BookSide: Sendable {
    /// Which side this is: bids (best = highest) or asks (best = lowest).
    let side: Side

    /// The levels, worst first, best last.
    private(set) var levels: [PriceLevel] = []

    /// An empty side.
    init(side: Side) {
        self.side = side
    }

    /// The best level.
    var best: PriceLevel? { levels.last }

    /// The number of price levels.
    var count: Int { levels.count }

    /// Whether `a` is a strictly better price than `b` on this side.
    func isBetter(_ a: Int64, than b: Int64) -> Bool { side == .buy ? a > b : a < b }

    /// The index of the level at `price`, or where it would be inserted.
    func search(_ price: Int64) -> (index: Int, found: Bool) {
        var low = 0
        var high = levels.count
        while low < high {
            let mid = (low + high) / 2
            let p = levels[mid].price
            if p == price { return (mid, true) }
            // Levels run from worst to best: go right while the level is worse than `price`.
            if isBetter(price, than: p) { low = mid + 1 } else { high = mid }
        }
        return (low, false)
    }

    /// The quantity mantissa at `price` (zero when there is no level).
    func quantity(at price: Int64) -> Int64 {
        let (index, found) = search(price)
        return found ? levels[index].quantity : 0
    }

    /// The level at `price`, if any.
    func level(at price: Int64) -> PriceLevel? {
        let (index, found) = search(price)
        return found ? levels[index] : nil
    }

    /// Calls `body` with each level from the best down until it returns false.
    func forEachFromBest(_ body: (PriceLevel) -> Bool) {
        var index = levels.count - 1
        while index >= 0 {
            if !body(levels[index]) { return }
            index -= 1
        }
    }

    /// Queues an order at the back of its price level, creating the level if needed.
    mutating func add(_ order: RestingOrder, at price: Int64) {
        let (index, found) = search(price)
        if !found { levels.insert(PriceLevel(price: price), at: index) }
        levels[index].append(order)
    }

    /// Fills `amount` of the front order of the best level; returns that order afterwards.
    mutating func fillBest(_ amount: Int64) -> RestingOrder {
        let last = levels.count - 1
        let order = levels[last].fillFront(amount)
        if levels[last].quantity == 0 { levels.removeLast() }
        return order
    }

    /// Removes an order resting at `price`; its remaining quantity, or nil when not found.
    mutating func remove(orderId: Int64, at price: Int64) -> Int64? {
        let (index, found) = search(price)
        guard found, let remaining = levels[index].remove(orderId: orderId) else { return nil }
        if levels[index].quantity == 0 { levels.remove(at: index) }
        return remaining
    }

    /// Sets a displayed level (replayed books): zero removes it.
    mutating func setDisplayed(_ quantity: Int64, at price: Int64) {
        let (index, found) = search(price)
        switch (found, quantity > 0) {
        case (true, true): levels[index].setDisplayed(quantity)
        case (true, false): levels.remove(at: index)
        case (false, true): levels.insert(PriceLevel(price: price, quantity: quantity), at: index)
        case (false, false): break  // Removing an unknown level is normal.
        }
    }

    /// Removes every level.
    mutating func removeAll() { levels.removeAll() }
}

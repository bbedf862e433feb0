import EngineModel

/// The externally driven book of a symbol in shadow mode: levels set from recorded data, and
/// the part of each level users have already taken.
///
/// User orders match against what is displayed minus what they consumed, so the same recorded
/// liquidity is never filled twice, while the book itself — what the depth stream shows —
/// stays exactly the recording (no market impact). A level's consumption is forgotten when the
/// recording next sets that level: the new quantity is fresh information.
struct ReplayBook: Sendable {
    /// The displayed levels, with the recording's update ids.
    var book: SymbolBook

    /// Quantity taken by users per bid price since the recording last set it.
    private var consumedBids: [Int64: Int64] = [:]

    /// Quantity taken by users per ask price since the recording last set it.
    private var consumedAsks: [Int64: Int64] = [:]

    /// An empty replayed book.
    init(book: SymbolBook) {
        self.book = book
    }

    /// Calls `body` with each level of `side` that still has liquidity, best first, until it
    /// returns false.
    func forEachAvailable(_ side: Side, _ body: (_ price: Int64, _ available: Int64) -> Bool) {
        let consumed = side == .buy ? consumedBids : consumedAsks
        book.side(side).forEachFromBest { level in
            let available = level.quantity - (consumed[level.price] ?? 0)
            return available <= 0 ? true : body(level.price, available)
        }
    }

    /// The best level of `side` with liquidity left.
    func bestAvailable(_ side: Side) -> (price: Int64, available: Int64)? {
        var best: (Int64, Int64)?
        forEachAvailable(side) { price, available in
            best = (price, available)
            return false
        }
        return best
    }

    /// Records that users took `quantity` at a level.
    mutating func consume(_ side: Side, price: Int64, quantity: Int64) {
        if side == .buy {
            consumedBids[price, default: 0] += quantity
        } else {
            consumedAsks[price, default: 0] += quantity
        }
    }

    /// Sets a level from the recording (zero removes it) and forgets its consumption.
    mutating func set(_ side: Side, price: Int64, quantity: Int64) {
        book.setDisplayed(side, price: price, quantity: quantity)
        if side == .buy { consumedBids[price] = nil } else { consumedAsks[price] = nil }
    }

    /// Empties the book for a snapshot with `lastUpdateId`.
    mutating func reset(lastUpdateId: Int64) {
        book.reset(lastUpdateId: lastUpdateId)
        consumedBids.removeAll()
        consumedAsks.removeAll()
    }
}

import EngineKit
import EngineModel

/// One side's levels of a book as simulation mode sees it: mantissas at the instrument's
/// exponents, best first.
public struct SimulationLevel: Hashable, Sendable {
    /// The price mantissa.
    public var price: Int64
    /// The quantity mantissa (> 0).
    public var quantity: Int64

    /// A level from its mantissas.
    public init(price: Int64, quantity: Int64) {
        self.price = price
        self.quantity = quantity
    }
}

/// A consistent copy of one instrument's book for simulation mode.
public struct SimulationBook: Hashable, Sendable {
    /// The update id the copy is consistent with (the books segment's `update_id`).
    public var updateId: UInt64
    /// Bids, best (highest) first.
    public var bids: [SimulationLevel]
    /// Asks, best (lowest) first.
    public var asks: [SimulationLevel]

    /// A book from its parts.
    public init(updateId: UInt64, bids: [SimulationLevel], asks: [SimulationLevel]) {
        self.updateId = updateId
        self.bids = bids
        self.asks = asks
    }
}

/// Where simulation mode reads the market its orders fill against. Called from the order
/// thread only.
public protocol SimulationMarket: AnyObject {
    /// The update id of an instrument's book now, read cheaply (no levels); nil while the book
    /// cannot be traded against (not live, stale, or no stable copy).
    func version(_ instrument: Int) -> UInt64?
    /// A consistent copy of an instrument's book, or nil while it cannot be traded against.
    func book(_ instrument: Int) -> SimulationBook?
}

/// The engine's own books, read from the books segment like any external reader: the book
/// simulation mode fills against is the one strategies see.
public final class BooksMarket: SimulationMarket {
    private let reader: BooksReader
    private let levels: Int?

    /// Reads `reader` (an attachment of its own: readers are not shared across threads), at
    /// most `levels` levels a side (nil: the segment's depth).
    public init(reader: BooksReader, levels: Int? = nil) {
        self.reader = reader
        self.levels = levels
    }

    /// The book block's update id, from its header alone; nil unless the feed is live and fresh.
    public func version(_ instrument: Int) -> UInt64? {
        guard reader.feedState(instrument) == .live,
            let header = try? reader.snapshot(instrument, levels: 0, maxRetries: 1_000), !header.stale
        else { return nil }
        return header.updateId
    }

    /// A seqlock copy of the book; nil unless the feed is live and fresh.
    public func book(_ instrument: Int) -> SimulationBook? {
        guard reader.feedState(instrument) == .live,
            let snapshot = try? reader.snapshot(instrument, levels: levels), !snapshot.stale
        else { return nil }
        return SimulationBook(
            updateId: snapshot.updateId,
            bids: snapshot.bids.map { SimulationLevel(price: $0.price, quantity: $0.quantity) },
            asks: snapshot.asks.map { SimulationLevel(price: $0.price, quantity: $0.quantity) })
    }
}

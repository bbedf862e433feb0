import EngineModel

/// One price level of a book: the price and the total quantity resting there (zero in a diff
/// means the level is gone).
public struct BookLevel: Hashable, Sendable {
    /// The level's price.
    public let price: Price

    /// The absolute quantity at the price.
    public let quantity: Quantity

    /// A level from its parts.
    public init(price: Price, quantity: Quantity) {
        self.price = price
        self.quantity = quantity
    }
}

/// A `depthUpdate`: the levels one call changed, each with its new absolute quantity.
///
/// Update ids increase by one per changed level, so `firstUpdateId` (`U`) and `lastUpdateId`
/// (`u`) bracket this batch and the next batch starts at `lastUpdateId + 1`. A local book
/// built from `depth` applies a batch when `U <= lastUpdateId + 1 <= u`.
public struct DepthUpdate: Hashable, Sendable {
    /// `s`: the symbol.
    public let symbol: String

    /// `E`: the caller's clock.
    public let time: Int64

    /// `U`: the first update id in the batch.
    public let firstUpdateId: Int64

    /// `u`: the last update id in the batch.
    public let lastUpdateId: Int64

    /// `b`: changed bids, best (highest) first.
    public let bids: [BookLevel]

    /// `a`: changed asks, best (lowest) first.
    public let asks: [BookLevel]
}

/// A `bookTicker`: the best bid and ask after update `updateId`.
public struct BookTicker: Hashable, Sendable {
    /// `s`: the symbol.
    public let symbol: String

    /// `u`: the same update id as the diff-depth stream's `u`.
    public let updateId: Int64

    /// `b`/`B`: the best bid; nil when there is none (Binance sends zeros).
    public let bestBid: BookLevel?

    /// `a`/`A`: the best ask; nil when there is none.
    public let bestAsk: BookLevel?
}

/// A `trade` on the public stream.
public struct PublicTrade: Hashable, Sendable {
    /// `s`: the symbol.
    public let symbol: String

    /// `t`: the trade id.
    public let tradeId: Int64

    /// `p`: the price.
    public let price: Price

    /// `q`: the quantity.
    public let quantity: Quantity

    /// The buying order's id.
    public let buyerOrderId: Int64

    /// The selling order's id.
    public let sellerOrderId: Int64

    /// `T`: the trade time (the caller's clock).
    public let time: Int64

    /// `m`: whether the buyer was the maker.
    public let isBuyerMaker: Bool
}

/// `GET /api/v3/depth`: the top levels and the update id they are consistent with.
public struct DepthSnapshot: Hashable, Sendable {
    /// The id of the last update reflected in the snapshot.
    public let lastUpdateId: Int64

    /// Bids, best (highest) first.
    public let bids: [BookLevel]

    /// Asks, best (lowest) first.
    public let asks: [BookLevel]

    /// A snapshot from its parts (e.g. a recorded `GET /api/v3/depth` answer to replay).
    public init(lastUpdateId: Int64, bids: [BookLevel], asks: [BookLevel]) {
        self.lastUpdateId = lastUpdateId
        self.bids = bids
        self.asks = asks
    }
}

import EngineModel
import Matching

/// One recorded line the replay plays back, in the recording's time order.
struct ReplayFrame: Sendable {
    /// When it was recorded: nanoseconds since the Unix epoch (the recorder's receive time).
    let time: Int64
    /// The market it belongs to (which hub and venue it goes through).
    let market: SimMarket
    /// The recorded stream it was received on (an index into the recording's stream names of
    /// `market`), or -1 for a REST depth snapshot, which sends nothing.
    let stream: Int
    /// The recorded `data` object's text: what a raw `/ws/<stream>` connection receives.
    let raw: String
    /// The recorded `{"stream":…,"data":…}` envelope's text: what a combined connection receives.
    let combined: String
    /// The parsed diff when the frame is a `depthUpdate`, applied to the replayed book.
    let diff: RecordedDiff?
}

/// A recorded `depthUpdate`, parsed.
struct RecordedDiff: Sendable {
    /// `s`: the symbol (uppercase).
    let symbol: String
    /// `E`: event time (ms).
    let eventTime: Int64
    /// `T`: transaction time (futures), else `E`.
    let transactTime: Int64
    /// `U`.
    let firstUpdateId: Int64
    /// `u`.
    let lastUpdateId: Int64
    /// `pu` (futures).
    let previousUpdateId: Int64?
    /// `b`: absolute bid quantities at the text's own exponents.
    let bids: [BookLevel]
    /// `a`: absolute ask quantities.
    let asks: [BookLevel]
}

/// A recorded REST depth answer (`GET /api/v3/depth` or `/fapi/v1/depth`).
struct RecordedSnapshot: Sendable {
    /// The symbol (uppercase).
    let symbol: String
    /// The market.
    let market: SimMarket
    /// When it was recorded (ns since epoch).
    let time: Int64
    /// `lastUpdateId` and the levels, at the text's own exponents.
    let depth: DepthSnapshot
    /// `E` (futures), if recorded.
    let eventTime: Int64?
    /// `T` (futures), if recorded.
    let transactTime: Int64?
}

/// A replayed symbol and the precision its recorded prices and quantities need.
struct RecordedSymbol: Hashable, Sendable {
    /// The market.
    let market: SimMarket
    /// The symbol (uppercase).
    let symbol: String
    /// The most significant decimals any recorded price has ("61837.63000000" → 2).
    var priceDecimals: Int = 0
    /// The most significant decimals any recorded quantity has.
    var quantityDecimals: Int = 0
    /// The most decimals any recorded price is written with ("7.6110" → 4).
    var priceTextDecimals: Int = 0
    /// The most decimals any recorded quantity is written with.
    var quantityTextDecimals: Int = 0
}

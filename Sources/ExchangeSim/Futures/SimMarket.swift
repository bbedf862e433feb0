/// The Binance market a book, a stream or a recording belongs to.
public enum SimMarket: String, Hashable, Sendable, CaseIterable {
    /// Spot: `/api/v3/…` REST, `/ws` and `/stream` WebSockets.
    case spot
    /// USD-M futures: `/fapi/v1/…` REST, `/fstream/ws` and `/fstream/stream` WebSockets
    /// (diff depth with `pu`, `E` and `T`).
    case usdm
}

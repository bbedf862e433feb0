import EngineModel

/// The payloads of Binance's spot market streams, with Binance's field names and order.
enum StreamJSON {
    /// `<symbol>@trade`.
    static func trade(_ trade: PublicTrade) -> JSONValue {
        .object([
            ("e", .string("trade")), ("E", .int(trade.time)), ("s", .string(trade.symbol)),
            ("t", .int(trade.tradeId)), ("p", SpotJSON.decimal(trade.price)),
            ("q", SpotJSON.decimal(trade.quantity)), ("T", .int(trade.time)), ("m", .bool(trade.isBuyerMaker)),
            ("M", .bool(true)),
        ])
    }

    /// `<symbol>@bookTicker`; a missing side is written as zeros, as Binance does.
    static func bookTicker(_ ticker: BookTicker) -> JSONValue {
        func price(_ level: BookLevel?) -> JSONValue { level.map { SpotJSON.decimal($0.price) } ?? .string("0.00000000") }
        func quantity(_ level: BookLevel?) -> JSONValue {
            level.map { SpotJSON.decimal($0.quantity) } ?? .string("0.00000000")
        }
        return .object([
            ("u", .int(ticker.updateId)), ("s", .string(ticker.symbol)),
            ("b", price(ticker.bestBid)), ("B", quantity(ticker.bestBid)),
            ("a", price(ticker.bestAsk)), ("A", quantity(ticker.bestAsk)),
        ])
    }

    /// `<symbol>@depth[@100ms]`: one window's merged changes.
    static func depthUpdate(
        symbol: String, time: Int64, first: Int64, last: Int64, bids: [BookLevel], asks: [BookLevel]
    ) -> JSONValue {
        func levels(_ levels: [BookLevel]) -> JSONValue {
            .array(levels.map { .array([SpotJSON.decimal($0.price), SpotJSON.decimal($0.quantity)]) })
        }
        return .object([
            ("e", .string("depthUpdate")), ("E", .int(time)), ("s", .string(symbol)),
            ("U", .int(first)), ("u", .int(last)), ("b", levels(bids)), ("a", levels(asks)),
        ])
    }
}

import EngineModel
import Matching

/// The payloads of Binance's USD-M futures market streams, with Binance's field names and
/// order. Prices and quantities are decimal strings at the symbol's own precision ("7.6110",
/// "2"), as the futures venue writes them.
enum FuturesStreamJSON {
    /// A decimal at its own exponent.
    static func decimal<Value: FixedPointDecimal>(_ value: Value) -> JSONValue { .string(value.description) }

    /// `<symbol>@depth[@100ms|@500ms]`: one window's merged changes; `pu` is the `u` of the
    /// stream's previous event.
    static func depthUpdate(
        symbol: String, time: Int64, first: Int64, last: Int64, previous: Int64, bids: [BookLevel], asks: [BookLevel]
    ) -> JSONValue {
        .object([
            ("e", .string("depthUpdate")), ("E", .int(time)), ("T", .int(time)), ("s", .string(symbol)),
            ("U", .int(first)), ("u", .int(last)), ("pu", .int(previous)), ("b", levels(bids)), ("a", levels(asks)),
        ])
    }

    /// `<symbol>@bookTicker`: best bid and ask after update `u`, with transaction and event time.
    static func bookTicker(_ ticker: BookTicker, time: Int64) -> JSONValue {
        func price(_ level: BookLevel?) -> JSONValue { level.map { decimal($0.price) } ?? .string("0") }
        func quantity(_ level: BookLevel?) -> JSONValue { level.map { decimal($0.quantity) } ?? .string("0") }
        return .object([
            ("e", .string("bookTicker")), ("u", .int(ticker.updateId)), ("s", .string(ticker.symbol)),
            ("b", price(ticker.bestBid)), ("B", quantity(ticker.bestBid)), ("a", price(ticker.bestAsk)),
            ("A", quantity(ticker.bestAsk)), ("T", .int(time)), ("E", .int(time)),
        ])
    }

    /// `<symbol>@aggTrade`: each trade is its own aggregate (`a` = `f` = `l` = trade id).
    static func aggTrade(_ trade: PublicTrade, now: Int64) -> JSONValue {
        .object([
            ("e", .string("aggTrade")), ("E", .int(now)), ("a", .int(trade.tradeId)), ("s", .string(trade.symbol)),
            ("p", decimal(trade.price)), ("q", decimal(trade.quantity)), ("f", .int(trade.tradeId)),
            ("l", .int(trade.tradeId)), ("T", .int(trade.time)), ("m", .bool(trade.isBuyerMaker)),
        ])
    }

    /// Levels as `[["price","qty"],…]`.
    static func levels(_ levels: [BookLevel]) -> JSONValue {
        .array(levels.map { .array([decimal($0.price), decimal($0.quantity)]) })
    }
}

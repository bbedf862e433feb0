import EngineModel
import Matching

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

    /// `<symbol>@aggTrade`: the simulator's trades are single fills, so each is its own
    /// aggregate (`a` = `f` = `l` = the trade id).
    static func aggTrade(_ trade: PublicTrade) -> JSONValue {
        .object([
            ("e", .string("aggTrade")), ("E", .int(trade.time)), ("s", .string(trade.symbol)),
            ("a", .int(trade.tradeId)), ("p", SpotJSON.decimal(trade.price)), ("q", SpotJSON.decimal(trade.quantity)),
            ("f", .int(trade.tradeId)), ("l", .int(trade.tradeId)), ("T", .int(trade.time)),
            ("m", .bool(trade.isBuyerMaker)), ("M", .bool(true)),
        ])
    }

    /// `<symbol>@depth<5|10|20>[@100ms]`: the top of the book, whole (no event type, symbol
    /// or time, as Binance sends it).
    static func partialDepth(_ snapshot: DepthSnapshot) -> JSONValue {
        func levels(_ levels: [BookLevel]) -> JSONValue {
            .array(levels.map { .array([SpotJSON.decimal($0.price), SpotJSON.decimal($0.quantity)]) })
        }
        return .object([
            ("lastUpdateId", .int(snapshot.lastUpdateId)), ("bids", levels(snapshot.bids)),
            ("asks", levels(snapshot.asks)),
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

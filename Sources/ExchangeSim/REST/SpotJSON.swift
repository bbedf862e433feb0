import EngineModel
import Matching

/// Binance's spot REST shapes: orders, fills, books, trades, balances. Prices and quantities
/// are decimal strings with eight decimals, as the venue writes them; ids and times are bare
/// integers.
enum SpotJSON {
    /// A decimal at eight places ("0.10000000"), or its own precision if finer or out of range.
    static func decimal<Value: FixedPointDecimal>(_ value: Value) -> JSONValue {
        guard value.exponent >= -8, let eight = try? value.rescaled(to: -8) else { return .string(value.description) }
        return .string(eight.description)
    }

    /// The fields every order shape starts with.
    private static func head(_ order: VenueOrder) -> [(String, JSONValue)] {
        [
            ("symbol", .string(order.symbol)), ("orderId", .int(order.orderId)), ("orderListId", .int(-1)),
            ("clientOrderId", .string(order.clientOrderId)),
        ]
    }

    /// The state fields of an order (price through side).
    private static func state(_ order: VenueOrder) -> [(String, JSONValue)] {
        [
            ("price", decimal(order.price)), ("origQty", decimal(order.origQty)),
            ("executedQty", decimal(order.executedQty)), ("origQuoteOrderQty", decimal(order.origQuoteOrderQty)),
            ("cummulativeQuoteQty", decimal(order.cumulativeQuoteQty)), ("status", .string(order.status.rawValue)),
            ("timeInForce", .string(order.timeInForce.name.uppercased())),
            ("type", .string(order.type.name.uppercased())), ("side", .string(order.side.name.uppercased())),
        ]
    }

    /// `POST /api/v3/order` answer for `newOrderRespType` ACK, RESULT or FULL.
    static func newOrder(_ result: OrderResult, responseType: String, transactTime: Int64) -> JSONValue {
        let order = result.order
        var members = head(order) + [("transactTime", .int(transactTime))]
        guard responseType != "ACK" else { return .object(members) }
        members += state(order)
        if let working = order.workingTime { members.append(("workingTime", .int(working))) }
        members.append(("selfTradePreventionMode", .string("NONE")))
        if responseType == "FULL" {
            members.append(("fills", .array(result.fills.map(fill))))
        }
        return .object(members)
    }

    /// One fill of a FULL answer.
    static func fill(_ fill: VenueFill) -> JSONValue {
        .object([
            ("price", decimal(fill.price)), ("qty", decimal(fill.quantity)), ("commission", decimal(fill.commission)),
            ("commissionAsset", .string(fill.commissionAsset)), ("tradeId", .int(fill.tradeId)),
        ])
    }

    /// `GET /api/v3/order` and `GET /api/v3/openOrders` entries.
    static func queriedOrder(_ order: VenueOrder) -> JSONValue {
        var members = head(order)
        members += state(order).filter { $0.0 != "origQuoteOrderQty" }
        members += [
            ("stopPrice", .string("0.00000000")), ("icebergQty", .string("0.00000000")), ("time", .int(order.time)),
            ("updateTime", .int(order.updateTime)), ("isWorking", .bool(order.isWorking)),
            ("workingTime", .int(order.workingTime ?? -1)), ("origQuoteOrderQty", decimal(order.origQuoteOrderQty)),
            ("selfTradePreventionMode", .string("NONE")),
        ]
        return .object(members)
    }

    /// `DELETE /api/v3/order` and `DELETE /api/v3/openOrders` entries.
    static func canceledOrder(_ order: VenueOrder, cancelClientOrderId: String, transactTime: Int64) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("symbol", .string(order.symbol)), ("origClientOrderId", .string(order.clientOrderId)),
            ("orderId", .int(order.orderId)), ("orderListId", .int(-1)),
            ("clientOrderId", .string(cancelClientOrderId)), ("transactTime", .int(transactTime)),
        ]
        members += state(order)
        members.append(("selfTradePreventionMode", .string("NONE")))
        return .object(members)
    }

    /// `GET /api/v3/depth`.
    static func depth(_ snapshot: DepthSnapshot) -> JSONValue {
        func levels(_ levels: [BookLevel]) -> JSONValue {
            .array(levels.map { .array([decimal($0.price), decimal($0.quantity)]) })
        }
        return .object([
            ("lastUpdateId", .int(snapshot.lastUpdateId)), ("bids", levels(snapshot.bids)),
            ("asks", levels(snapshot.asks)),
        ])
    }

    /// A `GET /api/v3/trades` entry.
    static func publicTrade(_ trade: PublicTrade) -> JSONValue {
        let quote = (try? trade.price.notional(trade.quantity)).map(decimal) ?? .string("0")
        return .object([
            ("id", .int(trade.tradeId)), ("price", decimal(trade.price)), ("qty", decimal(trade.quantity)),
            ("quoteQty", quote), ("time", .int(trade.time)), ("isBuyerMaker", .bool(trade.isBuyerMaker)),
            ("isBestMatch", .bool(true)),
        ])
    }

    /// A `GET /api/v3/myTrades` entry.
    static func accountTrade(_ fill: VenueFill) -> JSONValue {
        .object([
            ("symbol", .string(fill.symbol)), ("id", .int(fill.tradeId)), ("orderId", .int(fill.orderId)),
            ("orderListId", .int(-1)), ("price", decimal(fill.price)), ("qty", decimal(fill.quantity)),
            ("quoteQty", decimal(fill.quoteQuantity)), ("commission", decimal(fill.commission)),
            ("commissionAsset", .string(fill.commissionAsset)), ("time", .int(fill.time)),
            ("isBuyer", .bool(fill.isBuyer)), ("isMaker", .bool(fill.isMaker)), ("isBestMatch", .bool(true)),
        ])
    }
}

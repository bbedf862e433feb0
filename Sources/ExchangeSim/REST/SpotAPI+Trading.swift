import EngineModel
import Matching

extension SpotAPI {
    /// The SIGNED endpoints: order entry, queries, cancels, account and fills.
    func tradingEndpoints() -> [SpotEndpoint] {
        let orderRef: Set<String> = ["symbol", "orderId", "origClientOrderId"]
        return [
            SpotEndpoint(
                .post, "/api/v3/order", .signed,
                accepts: [
                    "symbol", "side", "type", "timeInForce", "quantity", "quoteOrderQty", "price", "newClientOrderId",
                    "newOrderRespType", "stopPrice", "trailingDelta", "icebergQty", "strategyId", "strategyType",
                    "selfTradePreventionMode",
                ], weight: { _ in 1 }, handle: newOrder),
            SpotEndpoint(.get, "/api/v3/order", .signed, accepts: orderRef, weight: { _ in 4 }) {
                (call: SpotCall) async throws(RESTError) -> SpotAnswer in
                let symbol = try call.symbol()
                let ref = try Self.orderRef(call.parameters)
                return try await Self.venueCall { () async throws(VenueError) in
                    SpotAnswer(SpotJSON.queriedOrder(try await call.venue.order(symbol: symbol,
                        account: call.account, ref)))
                }
            },
            SpotEndpoint(
                .delete, "/api/v3/order", .signed,
                accepts: orderRef.union(["newClientOrderId", "cancelRestrictions"]), weight: { _ in 1 }
            ) { (call: SpotCall) async throws(RESTError) -> SpotAnswer in
                let symbol = try call.symbol()
                let ref = try Self.orderRef(call.parameters)
                return try await Self.venueCall { () async throws(VenueError) in
                    let result = try await call.venue.cancel(
                        symbol: symbol, account: call.account, order: ref,
                        newClientOrderId: call.parameters["newClientOrderId"], now: call.now)
                    return SpotAnswer(
                        SpotJSON.canceledOrder(
                            result.order, cancelClientOrderId: result.cancelClientOrderId, transactTime: call.now))
                }
            },
            SpotEndpoint(
                .get, "/api/v3/openOrders", .signed, accepts: ["symbol"],
                weight: { $0["symbol"] == nil ? 80 : 6 }
            ) { (call: SpotCall) async throws(RESTError) -> SpotAnswer in
                let symbol = try call.parameters.symbol()
                return try await Self.venueCall { () async throws(VenueError) in
                    let orders = try await call.venue.openOrders(account: call.account, symbol: symbol)
                    return SpotAnswer(.array(orders.map(SpotJSON.queriedOrder)))
                }
            },
            SpotEndpoint(.delete, "/api/v3/openOrders", .signed, accepts: ["symbol"], weight: { _ in 1 }) {
                (call: SpotCall) async throws(RESTError) -> SpotAnswer in
                let symbol = try call.symbol()
                return try await Self.venueCall { () async throws(VenueError) in
                    let result = try await call.venue.cancelAll(symbol: symbol, account: call.account, now: call.now)
                    return SpotAnswer(.array(result.orders.map {
                        SpotJSON.canceledOrder($0, cancelClientOrderId: $0.clientOrderId, transactTime: call.now)
                    }))
                }
            },
            SpotEndpoint(.get, "/api/v3/account", .signed, accepts: ["omitZeroBalances"], weight: { _ in 20 }) {
                (call: SpotCall) async throws(RESTError) -> SpotAnswer in
                let (balances, commissions) = await call.venue.account(call.account)
                let omit = call.parameters["omitZeroBalances"] == "true"
                let uid = Int64(1000 + (configuration.credentials.firstIndex { $0.account == call.account } ?? 0))
                return SpotAnswer(SpotJSON.account(balances, commissions: commissions, omitZero: omit,
                    now: call.now, uid: uid))
            },
            SpotEndpoint(
                .get, "/api/v3/myTrades", .signed,
                accepts: ["symbol", "orderId", "startTime", "endTime", "fromId", "limit"], weight: { _ in 20 }
            ) { (call: SpotCall) async throws(RESTError) -> SpotAnswer in
                let symbol = try call.symbol()
                let limit = try Self.limit(call.parameters, default: 500, max: 1000)
                let orderId = try call.parameters.integer("orderId")
                let fromId = try call.parameters.integer("fromId")
                let start = try call.parameters.integer("startTime") ?? .min
                let end = try call.parameters.integer("endTime") ?? .max
                return try await Self.venueCall { () async throws(VenueError) in
                    let fills = try await call.venue.myTrades(account: call.account, symbol: symbol, limit: 1000)
                    let chosen = fills.filter {
                        (orderId == nil || $0.orderId == orderId) && $0.tradeId >= (fromId ?? .min)
                            && $0.time >= start && $0.time <= end
                    }
                    return SpotAnswer(.array(chosen.prefix(limit).map(SpotJSON.accountTrade)))
                }
            },
        ]
    }

    /// Runs a venue call, turning its refusal into the REST error.
    static func venueCall(
        _ body: () async throws(VenueError) -> SpotAnswer
    ) async throws(RESTError) -> SpotAnswer {
        do throws(VenueError) {
            return try await body()
        } catch {
            throw RESTError(error)
        }
    }

    /// `orderId` or `origClientOrderId`; -1102 when neither was sent.
    static func orderRef(_ parameters: RequestParameters) throws(RESTError) -> OrderRef {
        if let id = try parameters.integer("orderId") { return .orderId(id) }
        if let clientId = parameters["origClientOrderId"] { return .clientOrderId(clientId) }
        throw RESTError(.eitherParameter("orderId", "origClientOrderId"))
    }
}

import EngineModel
import Matching

extension FuturesAPI {
    /// The SIGNED USD-M endpoints: order entry and queries, fills, account, balance, positions
    /// and leverage; every one against the futures venue and its clearing.
    func tradingEndpoints() -> [SpotEndpoint] {
        let orderRef: Set<String> = ["symbol", "orderId", "origClientOrderId"]
        return [
            SpotEndpoint(.post, "/fapi/v1/order", .signed, accepts: Self.orderParameters, weight: { _ in 1 }) {
                (call: SpotCall) async throws(RESTError) -> SpotAnswer in
                let order = try Self.parseOrder(call.parameters, symbol: try call.symbol())
                let counts = try await call.limiter.countOrder(account: call.account, now: call.now)
                let placed = try await call.venue.futuresPlace(order, account: call.account, now: call.now)
                return SpotAnswer(
                    FuturesJSON.order(placed.order, placed.tag),
                    headers: [
                        ("X-MBX-ORDER-COUNT-10S", String(counts.tenSeconds)),
                        ("X-MBX-ORDER-COUNT-1D", String(counts.day)),
                    ])
            },
            SpotEndpoint(.get, "/fapi/v1/order", .signed, accepts: orderRef, weight: { _ in 1 }) {
                (call: SpotCall) async throws(RESTError) -> SpotAnswer in
                let symbol = try call.symbol()
                let ref = try SpotAPI.orderRef(call.parameters)
                let found = try await call.venue.futuresOrder(symbol: symbol, account: call.account, ref)
                return SpotAnswer(FuturesJSON.order(found.order, found.tag, withTime: true))
            },
            SpotEndpoint(.delete, "/fapi/v1/order", .signed, accepts: orderRef, weight: { _ in 1 }) {
                (call: SpotCall) async throws(RESTError) -> SpotAnswer in
                let symbol = try call.symbol()
                let ref = try SpotAPI.orderRef(call.parameters)
                let canceled = try await call.venue.futuresCancel(
                    symbol: symbol, account: call.account, order: ref, now: call.now)
                return SpotAnswer(FuturesJSON.order(canceled.order, canceled.tag))
            },
            SpotEndpoint(
                .get, "/fapi/v1/openOrders", .signed, accepts: ["symbol"], weight: { $0["symbol"] == nil ? 40 : 1 }
            ) { (call: SpotCall) async throws(RESTError) -> SpotAnswer in
                let symbol = try call.parameters.symbol()
                let orders = try await call.venue.futuresOpenOrders(account: call.account, symbol: symbol)
                return SpotAnswer(.array(orders.map { FuturesJSON.order($0.order, $0.tag, withTime: true) }))
            },
            SpotEndpoint(.delete, "/fapi/v1/allOpenOrders", .signed, accepts: ["symbol"], weight: { _ in 1 }) {
                (call: SpotCall) async throws(RESTError) -> SpotAnswer in
                let symbol = try call.symbol()
                try await call.venue.futuresCancelAll(symbol: symbol, account: call.account, now: call.now)
                return SpotAnswer(
                    .object([("code", .int(200)), ("msg", .string("The operation of cancel all open order is done."))]))
            },
            SpotEndpoint(
                .get, "/fapi/v1/userTrades", .signed,
                accepts: ["symbol", "orderId", "startTime", "endTime", "fromId", "limit"], weight: { _ in 5 }
            ) { (call: SpotCall) async throws(RESTError) -> SpotAnswer in
                let symbol = try call.symbol()
                let limit = try SpotAPI.limit(call.parameters, default: 500, max: 1000)
                let orderId = try call.parameters.integer("orderId")
                let fromId = try call.parameters.integer("fromId") ?? .min
                let start = try call.parameters.integer("startTime") ?? .min
                let end = try call.parameters.integer("endTime") ?? .max
                let trades = try await call.venue.futuresTrades(account: call.account, symbol: symbol).filter {
                    (orderId == nil || $0.orderId == orderId) && $0.tradeId >= fromId && $0.time >= start
                        && $0.time <= end
                }
                return SpotAnswer(.array(trades.suffix(limit).map(FuturesJSON.trade)))
            },
            SpotEndpoint(.post, "/fapi/v1/leverage", .signed, accepts: ["symbol", "leverage"], weight: { _ in 1 }) {
                (call: SpotCall) async throws(RESTError) -> SpotAnswer in
                let symbol = try call.symbol()
                let leverage = try call.parameters.requiredInteger("leverage")
                let spec = try await call.venue.setLeverage(account: call.account, symbol: symbol, leverage: leverage)
                return SpotAnswer(.object([
                    ("leverage", .int(leverage)), ("maxNotionalValue", .string("1000000")),
                    ("symbol", .string(spec.symbol)),
                ]))
            },
        ] + accountEndpoints()
    }

    /// Account, balance and positions, at v2 and v3 (python-binance asks v3 for some).
    private func accountEndpoints() -> [SpotEndpoint] {
        var endpoints: [SpotEndpoint] = []
        for version in ["v2", "v3"] {
            endpoints.append(SpotEndpoint(.get, "/fapi/\(version)/account", .signed, weight: { _ in 5 }) {
                (call: SpotCall) async throws(RESTError) -> SpotAnswer in
                SpotAnswer(FuturesJSON.account(await call.venue.futuresRisk(call.account), now: call.now))
            })
            endpoints.append(SpotEndpoint(.get, "/fapi/\(version)/balance", .signed, weight: { _ in 5 }) {
                (call: SpotCall) async throws(RESTError) -> SpotAnswer in
                let risk = await call.venue.futuresRisk(call.account)
                return SpotAnswer(FuturesJSON.balance(risk, accountAlias: call.account.rawValue, now: call.now))
            })
            let onlyOpen = version == "v3"
            endpoints.append(
                SpotEndpoint(.get, "/fapi/\(version)/positionRisk", .signed, accepts: ["symbol"], weight: { _ in 5 }) {
                    (call: SpotCall) async throws(RESTError) -> SpotAnswer in
                    let symbol = try call.parameters.symbol()
                    if let symbol { _ = try await call.venue.futuresSpec(symbol) }
                    let risk = await call.venue.futuresRisk(call.account)
                    let rate = await call.venue.clearing?.settings.maintenanceRate ?? 0
                    let shown = risk.positions.filter { position in
                        (symbol == nil || position.symbol == symbol)
                            && (!onlyOpen || position.position.amount != 0 || position.orderMargin > 0)
                    }
                    return SpotAnswer(.array(shown.map { FuturesJSON.positionRisk($0, maintenanceRate: rate) }))
                })
        }
        return endpoints
    }

    /// The parameters `POST /fapi/v1/order` takes (Binance's list; the conditional ones are
    /// refused when sent with a value, since the simulator trades LIMIT and MARKET only).
    static let orderParameters: Set<String> = [
        "symbol", "side", "positionSide", "type", "timeInForce", "quantity", "reduceOnly", "price",
        "newClientOrderId", "newOrderRespType", "stopPrice", "closePosition", "activationPrice", "callbackRate",
        "workingType", "priceProtect", "priceMatch", "selfTradePreventionMode", "goodTillDate",
    ]

    /// The order a request describes: -1102 for a missing side or type, -1117/-1116/-1115 for
    /// unknown values, -4061 for a position side other than BOTH, -1106 for conditional
    /// parameters.
    static func parseOrder(_ parameters: RequestParameters, symbol: String) throws(RESTError) -> FuturesNewOrder {
        guard let side = Side(name: try parameters.required("side")), parameters["side"] == parameters["side"]?.uppercased()
        else { throw .invalidSide }
        let type: OrderType
        switch try parameters.required("type") {
        case "LIMIT": type = .limit
        case "MARKET": type = .market
        default: throw .invalidOrderType
        }
        if let side = parameters["positionSide"], side != "BOTH" {
            if ["LONG", "SHORT"].contains(side) { throw .positionSideMismatch }
            throw .invalidParameter("positionSide")
        }
        var timeInForce: String?
        if let tif = parameters["timeInForce"] {
            guard ["GTC", "IOC", "FOK", "GTX"].contains(tif) else { throw .invalidTimeInForce }
            timeInForce = tif
        }
        var reduceOnly = false
        if let flag = parameters["reduceOnly"] {
            guard flag == "true" || flag == "false" else { throw .invalidParameter("reduceOnly") }
            reduceOnly = flag == "true"
        }
        for name in ["stopPrice", "activationPrice", "callbackRate", "goodTillDate"] where parameters[name] != nil {
            throw RESTError(.parameterNotRequired(name))
        }
        if parameters["closePosition"] == "true" { throw RESTError(.parameterNotRequired("closePosition")) }
        if let match = parameters["priceMatch"], match != "NONE" { throw RESTError(.parameterNotRequired("priceMatch")) }
        if let kind = parameters["newOrderRespType"], kind != "ACK", kind != "RESULT" {
            throw .illegalCharacters("newOrderRespType", "^(ACK|RESULT)$")
        }
        let price = try parameters.decimal("price").map { Price(mantissa: $0.mantissa, exponent: $0.exponent) }
        return FuturesNewOrder(
            symbol: symbol, side: side, type: type, timeInForce: timeInForce, price: price,
            quantity: try parameters.decimal("quantity"), reduceOnly: reduceOnly,
            clientOrderId: parameters.values["newClientOrderId"])
    }
}

extension SimVenue {
    /// A contract's rules (-1121 when unknown).
    func futuresSpec(_ symbol: String) throws(RESTError) -> SymbolSpec {
        try Self.venue { () throws(VenueError) in try engine.spec(symbol) }
    }
}

import EngineModel
import Matching

extension SpotAPI {
    /// `POST /api/v3/order`: parses the order, counts it against the ORDERS limits, places it
    /// and answers with ACK, RESULT or FULL plus the `X-MBX-ORDER-COUNT-*` headers.
    @Sendable func newOrder(_ call: SpotCall) async throws(RESTError) -> SpotAnswer {
        let order = try Self.parseOrder(call.parameters, symbol: try call.symbol())
        let responseType = try Self.responseType(call.parameters, type: order.type)
        let counts = try await call.limiter.countOrder(account: call.account, now: call.now)
        let result: OrderResult
        do throws(VenueError) {
            result = try await call.venue.place(order, account: call.account, now: call.now)
        } catch {
            throw RESTError(error)
        }
        return SpotAnswer(
            SpotJSON.newOrder(result, responseType: responseType, transactTime: call.now),
            headers: [
                ("X-MBX-ORDER-COUNT-10S", String(counts.tenSeconds)), ("X-MBX-ORDER-COUNT-1D", String(counts.day)),
            ])
    }

    /// The order a request describes; -1102 for a missing side or type, -1117/-1116/-1115 for
    /// unknown enum values, -1106 for parameters of order types the simulator does not trade.
    static func parseOrder(_ parameters: RequestParameters, symbol: String) throws(RESTError) -> NewOrder {
        guard let side = Side(name: try parameters.required("side")) else { throw .invalidSide }
        let typeName = try parameters.required("type")
        guard let type = OrderType(name: typeName), typeName == typeName.uppercased() else {
            if unsupportedTypes.contains(typeName) {
                throw RESTError(code: -2010, msg: "Order type not supported for this symbol.")
            }
            throw .invalidOrderType
        }
        var timeInForce: TimeInForce?
        if let name = parameters["timeInForce"] {
            guard let tif = TimeInForce(name: name) else { throw .invalidTimeInForce }
            timeInForce = tif
        }
        for name in ["stopPrice", "trailingDelta", "icebergQty"] where parameters[name] != nil {
            throw RESTError(.parameterNotRequired(name))
        }
        let price = try parameters.decimal("price").map { Price(mantissa: $0.mantissa, exponent: $0.exponent) }
        return NewOrder(
            symbol: symbol, side: side, type: type, timeInForce: timeInForce, price: price,
            quantity: try parameters.decimal("quantity"), quoteOrderQty: try parameters.decimal("quoteOrderQty"),
            clientOrderId: parameters.values["newClientOrderId"])
    }

    /// `newOrderRespType`, defaulting as Binance does: FULL for LIMIT and MARKET, ACK otherwise.
    static func responseType(_ parameters: RequestParameters, type: OrderType) throws(RESTError) -> String {
        guard let sent = parameters["newOrderRespType"] else {
            return type == .limit || type == .market ? "FULL" : "ACK"
        }
        guard ["ACK", "RESULT", "FULL"].contains(sent) else {
            throw .illegalCharacters("newOrderRespType", "^(ACK|RESULT|FULL)$")
        }
        return sent
    }

    /// Binance order types this simulator lists as unsupported.
    private static let unsupportedTypes: Set<String> = [
        "STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT",
    ]
}

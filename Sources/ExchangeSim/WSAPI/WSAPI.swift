import EngineModel
import HTTPTypes
import Matching

/// Binance's spot WebSocket API (`/ws-api/v3`, web-socket-api.md) over the same venue as the
/// REST API: each request method runs the REST endpoint it mirrors — same weight, parameter
/// checks, matching-engine call and result shape — so answers and error codes agree with REST
/// (-1013 filter failures, -1121 unknown symbol, -2010/-2011 rejections, …). SIGNED methods
/// carry `apiKey`, `timestamp` and `signature` among their params; the signature is the
/// HMAC-SHA256 of the sorted `name=value` pairs. User data subscriptions
/// (`userDataStream.subscribe.signature`) push the account's events on the same connection.
struct WSAPI: Sendable {
    /// The REST API whose endpoints the methods run.
    let spot: SpotAPI
    /// The connections and their user data subscriptions.
    let userData: UserDataHub

    /// The request weight of the WebSocket API is kept under this key: the upgrade context
    /// carries no peer address, so all WebSocket API connections share one window.
    static let weightKey = "ws-api"
    /// What opening a connection costs (Binance: 2).
    static let connectionWeight = 2

    /// Methods that run a REST endpoint: method → (HTTP method, path).
    static let restMethods: [String: (HTTPRequest.Method, String)] = [
        "ping": (.get, "/api/v3/ping"), "time": (.get, "/api/v3/time"),
        "exchangeInfo": (.get, "/api/v3/exchangeInfo"), "depth": (.get, "/api/v3/depth"),
        "trades.recent": (.get, "/api/v3/trades"), "order.place": (.post, "/api/v3/order"),
        "order.status": (.get, "/api/v3/order"), "order.cancel": (.delete, "/api/v3/order"),
        "openOrders.status": (.get, "/api/v3/openOrders"), "openOrders.cancelAll": (.delete, "/api/v3/openOrders"),
        "account.status": (.get, "/api/v3/account"), "myTrades": (.get, "/api/v3/myTrades"),
    ]

    /// Parameters of the WebSocket API that REST does not take.
    static let transportParameters: Set<String> = ["apiKey", "returnRateLimits"]

    /// The REST endpoints by method name.
    let endpoints: [String: SpotEndpoint]
    /// The path the API is served on (`/ws-api/v3`; USD-M: `/ws-fapi/v1`).
    var route = WSAPI.path

    /// A WebSocket API over `spot`'s venue and limits.
    init(spot: SpotAPI, userData: UserDataHub) {
        self.spot = spot
        self.userData = userData
        let all = spot.marketEndpoints() + spot.tradingEndpoints()
        var endpoints: [String: SpotEndpoint] = [:]
        for (name, (method, path)) in Self.restMethods {
            endpoints[name] = all.first { $0.method == method && $0.path == path }
        }
        self.endpoints = endpoints
    }

    /// A WebSocket API whose methods run `endpoints` of `api` (the USD-M one, `/ws-fapi/v1`);
    /// `userData` holds its connections' queues.
    init(api: SpotAPI, userData: UserDataHub, endpoints: [String: SpotEndpoint], route: String) {
        self.spot = api
        self.userData = userData
        self.endpoints = endpoints
        self.route = route
    }

    /// How a request is answered.
    enum Reply: Equatable, Sendable {
        /// Queue this answer now.
        case now(String)
        /// Queue this answer after `millis` (an `ack-delay` fault), without holding up the
        /// connection's other requests: Binance answers a connection's requests concurrently.
        case after(millis: Int, String)
        /// The answer is queued already (a subscription's, which must precede its events).
        case queued
    }

    /// Answers one text frame of connection `connection` (the user data hub's id), which the
    /// fault injector knows as `faultConnection`.
    func handle(_ text: String, connection: Int, faultConnection: Int? = nil, returnRateLimits: Bool) async -> Reply {
        let now = spot.clock()
        let request: WSAPIRequest
        do throws(WSAPIRequest.Malformed) {
            request = try WSAPIRequest(text: text)
        } catch {
            return .now(WSAPIResponse.failure(id: error.id, error: error.error, rateLimits: nil, now: now))
        }
        var call = Call(request: request, now: now, showLimits: returnRateLimits)
        if let flag = request.params["returnRateLimits"] { call.showLimits = flag != "false" }
        if let endpoint = endpoints[request.method] {
            return await run(endpoint, &call, faultConnection: faultConnection)
        }
        switch request.method {
        case "userDataStream.subscribe.signature":
            return await subscribe(&call, connection: connection).map(Reply.now) ?? .queued
        case "userDataStream.unsubscribe": return .now(await unsubscribe(&call, connection: connection))
        case "session.subscriptions": return .now(await listSubscriptions(&call, connection: connection))
        default:
            return .now(call.failure(RESTError(code: -1020, msg: "This operation is not supported."), limits: nil))
        }
    }

    /// Runs a REST endpoint for a request: weight, signature, parameter checks, handler; then,
    /// for an executed order request, the order faults armed for it (`WSAPI+Faults.swift`).
    private func run(_ endpoint: SpotEndpoint, _ call: inout Call, faultConnection: Int?) async -> Reply {
        let parameters = call.restParameters
        guard let used = await charge(endpoint.weight(parameters), &call) else {
            return .now(call.refusal!)
        }
        var credential: APICredential?
        let outcome: Result<SpotAnswer, RESTError>
        do throws(RESTError) {
            if endpoint.security == .signed { credential = try authenticate(call) }
            if endpoint.security == .apiKey {
                credential = try spot.authenticator.credential(apiKey: call.request.params["apiKey"])
            }
            try parameters.check(accepted: endpoint.accepted)
            outcome = .success(
                try await endpoint.handle(
                    SpotCall(parameters: parameters, credential: credential, now: call.now, venue: spot.venue,
                        limiter: spot.limiter)))
        } catch {
            outcome = .failure(error)
        }
        let limits = await limits(used: used, orderAccount: orderAccount(endpoint, credential), call)
        switch outcome {
        case .success(let answer):
            return applyOrderFaults(endpoint, call, answer, limits: limits, faultConnection: faultConnection)
        case .failure(let error): return .now(call.failure(error, limits: limits))
        }
    }

    /// The account whose ORDERS counts an answer reports: the caller of `order.place`.
    private func orderAccount(_ endpoint: SpotEndpoint, _ credential: APICredential?) -> AccountID? {
        let placesOrder = endpoint.path == "/api/v3/order" || endpoint.path == "/fapi/v1/order"
        return endpoint.method == .post && placesOrder ? credential?.account : nil
    }

    /// Checks the SIGNED parameters: key, timestamp window and signature.
    func authenticate(_ call: Call) throws(RESTError) -> APICredential {
        guard let apiKey = call.request.params["apiKey"] else { throw .mandatory("apiKey") }
        return try spot.authenticator.authenticate(
            apiKey: apiKey, parameters: call.restParameters,
            payloads: [call.request.signaturePayload, call.request.formEncodedSignaturePayload], now: call.now)
    }

    /// Charges `weight`; the IP's minute so far, or nil with `call.refusal` set (429/418).
    func charge(_ weight: Int, _ call: inout Call) async -> Int? {
        let charge = await spot.limiter.charge(ip: Self.weightKey, weight: weight, now: call.now)
        if let refusal = charge.refusal {
            call.refusal = call.failure(refusal, limits: [weightLimit(charge.usedWeight)])
            return nil
        }
        return charge.usedWeight
    }

    /// The `rateLimits` of an answer: the account's ORDERS counts after `order.place`, then
    /// REQUEST_WEIGHT.
    func limits(used: Int, orderAccount: AccountID?, _ call: Call) async -> [JSONValue] {
        var limits: [JSONValue] = []
        if let account = orderAccount {
            let counts = await spot.limiter.orderCounts(account: account, now: call.now)
            limits.append(WSAPIResponse.rateLimit(
                "ORDERS", "SECOND", 10, limit: spot.configuration.ordersPer10s, count: counts.tenSeconds))
            limits.append(WSAPIResponse.rateLimit(
                "ORDERS", "DAY", 1, limit: spot.configuration.ordersPerDay, count: counts.day))
        }
        limits.append(weightLimit(used))
        return limits
    }

    /// The REQUEST_WEIGHT entry.
    func weightLimit(_ used: Int) -> JSONValue {
        WSAPIResponse.rateLimit("REQUEST_WEIGHT", "MINUTE", 1, limit: spot.configuration.weightLimit, count: used)
    }

    /// Charges the connection itself.
    func chargeConnection() async {
        _ = await spot.limiter.charge(ip: Self.weightKey, weight: Self.connectionWeight, now: spot.clock())
    }
}

extension WSAPI {
    /// One request being answered.
    struct Call: Sendable {
        /// The request.
        let request: WSAPIRequest
        /// Server time at arrival.
        let now: Int64
        /// Whether answers carry `rateLimits`.
        var showLimits: Bool
        /// The answer when the weight charge refused the request.
        var refusal: String?

        /// A call for `request`.
        init(request: WSAPIRequest, now: Int64, showLimits: Bool) {
            self.request = request
            self.now = now
            self.showLimits = showLimits
        }

        /// The params as REST parameters, without the WebSocket-only ones.
        var restParameters: RequestParameters {
            RequestParameters(query: request.query(excluding: WSAPI.transportParameters), body: "")
        }

        /// A successful answer.
        func success(_ result: JSONValue, limits: [JSONValue]) -> String {
            WSAPIResponse.success(id: request.id, result: result, rateLimits: showLimits ? limits : nil)
        }

        /// A refusal.
        func failure(_ error: RESTError, limits: [JSONValue]?) -> String {
            WSAPIResponse.failure(id: request.id, error: error, rateLimits: showLimits ? limits : nil, now: now)
        }
    }
}

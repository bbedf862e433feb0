import HTTPTypes

/// Binance's USD-M WebSocket API (`/ws-fapi/v1`): the spot WebSocket API's envelope,
/// signing and rate-limit answers (`WSAPI`), with methods that run the USD-M REST endpoints
/// they mirror. `userDataStream.start`/`ping`/`stop` take `apiKey` alone and manage the
/// account's listen key; its events come on `/fstream/ws/<listenKey>`, as on Binance.
enum FuturesWSAPI {
    /// The path Binance serves it on.
    static let path = "/ws-fapi/v1"

    /// Method → (HTTP method, path) of the REST endpoint it runs.
    static let methods: [String: (HTTPRequest.Method, String)] = [
        "ping": (.get, "/fapi/v1/ping"), "time": (.get, "/fapi/v1/time"),
        "exchangeInfo": (.get, "/fapi/v1/exchangeInfo"), "depth": (.get, "/fapi/v1/depth"),
        "order.place": (.post, "/fapi/v1/order"), "order.status": (.get, "/fapi/v1/order"),
        "order.cancel": (.delete, "/fapi/v1/order"), "openOrders.status": (.get, "/fapi/v1/openOrders"),
        "account.status": (.get, "/fapi/v2/account"), "account.balance": (.get, "/fapi/v2/balance"),
        "account.position": (.get, "/fapi/v2/positionRisk"), "v2/account.status": (.get, "/fapi/v2/account"),
        "v2/account.balance": (.get, "/fapi/v2/balance"), "v2/account.position": (.get, "/fapi/v2/positionRisk"),
        "userDataStream.start": (.post, "/fapi/v1/listenKey"), "userDataStream.ping": (.put, "/fapi/v1/listenKey"),
        "userDataStream.stop": (.delete, "/fapi/v1/listenKey"),
    ]

    /// The WebSocket API over the futures REST pipeline.
    static func make(api: FuturesAPI) -> WSAPI {
        let all = api.endpoints()
        var endpoints: [String: SpotEndpoint] = [:]
        for (name, (method, path)) in methods {
            endpoints[name] = all.first { $0.method == method && $0.path == path }
        }
        return WSAPI(api: api.pipeline, userData: UserDataHub(), endpoints: endpoints, route: path)
    }
}

import EngineModel
import HTTPTypes
import Matching

/// One REST endpoint of the simulated venue: its route, whether it is SIGNED, the parameters it
/// reads, its request weight and its handler.
struct SpotEndpoint: Sendable {
    /// NONE or SIGNED, as Binance's docs label endpoints.
    enum Security: Sendable {
        /// Public: no key, no signature.
        case none
        /// `X-MBX-APIKEY`, `timestamp` and `signature` required.
        case signed
        /// `X-MBX-APIKEY` only (USER_STREAM endpoints: listen keys).
        case apiKey
    }

    /// The HTTP method.
    let method: HTTPRequest.Method
    /// The path ("/api/v3/order").
    let path: String
    /// NONE or SIGNED.
    let security: Security
    /// The parameters the endpoint reads (besides `timestamp`, `recvWindow` and `signature`
    /// on SIGNED endpoints); others are refused with -1104.
    let accepted: Set<String>
    /// The request weight, which may depend on the parameters (depth by limit).
    let weight: @Sendable (RequestParameters) -> Int
    /// The handler.
    let handle: @Sendable (SpotCall) async throws(RESTError) -> SpotAnswer

    /// An endpoint with a fixed or parameter-dependent weight.
    init(
        _ method: HTTPRequest.Method, _ path: String, _ security: Security = .none, accepts: Set<String> = [],
        weight: @escaping @Sendable (RequestParameters) -> Int,
        handle: @escaping @Sendable (SpotCall) async throws(RESTError) -> SpotAnswer
    ) {
        self.method = method
        self.path = path
        self.security = security
        self.accepted = security == .signed ? accepts.union(["timestamp", "recvWindow"]) : accepts
        self.weight = weight
        self.handle = handle
    }
}

/// What a handler gets: the parsed parameters, the caller's account on SIGNED endpoints, the
/// server time and the venue.
struct SpotCall: Sendable {
    /// Query and body parameters.
    let parameters: RequestParameters
    /// The authenticated key's credential (SIGNED endpoints only).
    let credential: APICredential?
    /// Server time in milliseconds.
    let now: Int64
    /// The venue state.
    let venue: SimVenue
    /// The rate limiter (order counts).
    let limiter: RateLimiter

    /// The caller's account; only SIGNED endpoints ask for it.
    var account: AccountID { credential?.account ?? "anonymous" }

    /// A mandatory symbol, upper-cased: -1102 when missing, -1100 when malformed.
    func symbol() throws(RESTError) -> String {
        guard let symbol = try parameters.symbol() else { throw .mandatory("symbol") }
        return symbol
    }
}

/// A handler's successful answer: the JSON body and any extra headers.
struct SpotAnswer: Sendable {
    /// The body.
    var body: JSONValue
    /// Headers to add (`X-MBX-ORDER-COUNT-10S` …).
    var headers: [(String, String)] = []

    /// A body without extra headers.
    init(_ body: JSONValue, headers: [(String, String)] = []) {
        self.body = body
        self.headers = headers
    }
}

import EngineModel
import HTTPTypes
import Hummingbird

/// The spot REST API of the simulated venue: routes every endpoint through the same steps
/// Binance takes — charge the request weight (429/418), authenticate SIGNED requests, refuse
/// unknown or duplicate parameters, run the handler — and answers with Binance's JSON and
/// headers, including `X-MBX-USED-WEIGHT-1M` on every response.
struct SpotAPI: Sendable {
    /// The venue state.
    let venue: SimVenue
    /// Weight and order limits.
    let limiter: RateLimiter
    /// API keys and signatures.
    let authenticator: RequestAuthenticator
    /// The configuration (limits for `exchangeInfo`, uids).
    let configuration: ExchangeSimServer.Configuration
    /// Server time in milliseconds.
    let clock: @Sendable () -> Int64
    /// The fault injector (429 storms, 5xx and delayed answers on order endpoints).
    var faults = FaultRegistry()

    /// The largest body read.
    private static let maxBody = 1 << 20

    /// A router serving every endpoint.
    func router() -> Router<SpotRequestContext> {
        let router = Router(context: SpotRequestContext.self)
        for endpoint in marketEndpoints() + tradingEndpoints() + simEndpoints() {
            router.on(RouterPath(endpoint.path), method: endpoint.method) { request, context in
                await respond(endpoint, request, context)
            }
        }
        return router
    }

    /// Runs one request through limits, authentication and the handler.
    func respond(_ endpoint: SpotEndpoint, _ request: Request, _ context: SpotRequestContext) async -> Response {
        var request = request
        let body = (try? await request.collectBody(upTo: Self.maxBody)).map { String(buffer: $0) } ?? ""
        let parameters = RequestParameters(query: request.uri.query ?? "", body: body)
        let now = clock()
        let charge = await charge(endpoint, parameters, ip: context.clientIP, now: now)
        var response: Response
        if let refusal = charge.refusal {
            response = Self.response(refusal)
        } else {
            do throws(RESTError) {
                var credential: APICredential?
                if endpoint.security == .signed {
                    let key = request.headers[Self.apiKeyHeader]
                    credential = try authenticator.authenticate(apiKey: key, parameters: parameters, now: now)
                } else if endpoint.security == .apiKey {
                    credential = try authenticator.credential(apiKey: request.headers[Self.apiKeyHeader])
                }
                try parameters.check(accepted: endpoint.accepted)
                let call = SpotCall(
                    parameters: parameters, credential: credential, now: now, venue: venue, limiter: limiter)
                let answer = try await endpoint.handle(call)
                response = Self.response(answer.body, status: .ok)
                for (name, value) in answer.headers { Self.set(name, value, on: &response) }
                await applyOrderFaults(endpoint, answer, to: &response)
            } catch {
                response = Self.response(error)
            }
        }
        Self.set("X-MBX-USED-WEIGHT", String(charge.usedWeight), on: &response)
        Self.set("X-MBX-USED-WEIGHT-1M", String(charge.usedWeight), on: &response)
        return response
    }

    /// The API-key header.
    static let apiKeyHeader = HTTPField.Name("X-MBX-APIKEY")!

    /// A JSON response.
    static func response(_ body: JSONValue, status: HTTPResponse.Status) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json;charset=UTF-8"
        return Response(status: status, headers: headers,
            body: .init(byteBuffer: ByteBuffer(string: body.serialized())))
    }

    /// An error response, with `Retry-After` when the error has one.
    static func response(_ error: RESTError) -> Response {
        var response = response(error.body, status: error.status)
        if let retry = error.retryAfter { set("Retry-After", String(retry), on: &response) }
        return response
    }

    /// Sets a header by name.
    static func set(_ name: String, _ value: String, on response: inout Response) {
        guard let field = HTTPField.Name(name) else { return }
        response.headers[field] = value
    }
}

import EngineModel
import Hummingbird
import Matching

/// The USD-M futures market-data REST endpoints (`/fapi/v1/ping`, `/time`, `exchangeInfo`,
/// `depth`), served on the spot server's port from the futures venue, through the same
/// weight accounting as spot (Binance counts futures weight separately: so does this, with
/// its own limiter).
struct FuturesAPI: Sendable {
    /// The spot request pipeline, pointed at the futures venue.
    let pipeline: SpotAPI
    /// The futures settings (`exchangeInfo` limits).
    let futures: FuturesConfiguration

    /// The depth limits Binance accepts; other values are rounded up to the next one.
    static let depthLimits = [5, 10, 20, 50, 100, 500, 1000]

    /// Adds the futures routes to `router`.
    func register(on router: Router<SpotRequestContext>) {
        for endpoint in endpoints() {
            router.on(RouterPath(endpoint.path), method: endpoint.method) { request, context in
                await pipeline.respond(endpoint, request, context)
            }
        }
    }

    /// The endpoints.
    func endpoints() -> [SpotEndpoint] {
        marketEndpoints() + tradingEndpoints() + listenKeyEndpoints()
    }

    /// The market-data endpoints.
    func marketEndpoints() -> [SpotEndpoint] {
        let futures = self.futures
        return [
            SpotEndpoint(.get, "/fapi/v1/ping", weight: { _ in 1 }) { _ in SpotAnswer(.object([])) },
            SpotEndpoint(.get, "/fapi/v1/time", weight: { _ in 1 }) {
                (call: SpotCall) async throws(RESTError) -> SpotAnswer in
                SpotAnswer(.object([("serverTime", .int(call.now))]))
            },
            SpotEndpoint(.get, "/fapi/v1/exchangeInfo", weight: { _ in 1 }) {
                (call: SpotCall) async throws(RESTError) -> SpotAnswer in
                let specs: [SymbolSpec]
                do throws(VenueError) {
                    specs = try await call.venue.specs(nil)
                } catch {
                    throw RESTError(error)
                }
                return SpotAnswer(FuturesJSON.exchangeInfo(specs, weightLimit: futures.weightLimit, now: call.now))
            },
            SpotEndpoint(.get, "/fapi/v1/depth", accepts: ["symbol", "limit"], weight: Self.depthWeight) {
                (call: SpotCall) async throws(RESTError) -> SpotAnswer in
                let symbol = try call.symbol()
                let limit = Self.depthLimit(try call.parameters.integer("limit"))
                do throws(VenueError) {
                    let answer = try await call.venue.futuresDepth(symbol: symbol, limit: limit, now: call.now)
                    return SpotAnswer(FuturesJSON.depth(answer.depth, eventTime: answer.eventTime,
                        transactTime: answer.transactTime))
                } catch {
                    throw RESTError(error)
                }
            },
        ]
    }

    /// The served limit for a requested one: default 500, else the next accepted value.
    static func depthLimit(_ requested: Int64?) -> Int {
        guard let requested else { return 500 }
        return depthLimits.first { Int64($0) >= requested } ?? 1000
    }

    /// Depth weight by limit: 5–50 → 2, 100 → 5, 500 → 10, 1000 → 20.
    @Sendable static func depthWeight(_ parameters: RequestParameters) -> Int {
        switch depthLimit(parameters["limit"].flatMap { Int64($0) }) {
        case ...50: return 2
        case ...100: return 5
        case ...500: return 10
        default: return 20
        }
    }
}

extension SimVenue {
    /// `GET /fapi/v1/depth`: the book's top `limit` levels with `E` and `T` — for a replayed
    /// symbol the replay's answer (see `replayDepth`) with the recorded times.
    func futuresDepth(
        symbol: String, limit: Int, now: Int64
    ) throws(VenueError) -> (depth: DepthSnapshot, eventTime: Int64, transactTime: Int64) {
        if let replayed = replayDepth(symbol: symbol, limit: limit) {
            return (replayed.depth, replayed.eventTime ?? now, replayed.transactTime ?? now)
        }
        return (try engine.depth(symbol: symbol, limit: limit), now, now)
    }
}

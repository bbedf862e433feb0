import EngineModel
import Matching

extension SpotAPI {
    /// The public endpoints: ping, time, exchangeInfo, depth, trades.
    func marketEndpoints() -> [SpotEndpoint] {
        [
            SpotEndpoint(.get, "/api/v3/ping", weight: { _ in 1 }) { _ in SpotAnswer(.object([])) },
            SpotEndpoint(.get, "/api/v3/time", weight: { _ in 1 }) {
                (call: SpotCall) async throws(RESTError) -> SpotAnswer in
                SpotAnswer(.object([("serverTime", .int(call.now))]))
            },
            SpotEndpoint(
                .get, "/api/v3/exchangeInfo",
                accepts: ["symbol", "symbols", "permissions", "showPermissionSets", "symbolStatus"],
                weight: { _ in 20 }, handle: exchangeInfo),
            SpotEndpoint(.get, "/api/v3/depth", accepts: ["symbol", "limit"], weight: Self.depthWeight) {
                (call: SpotCall) async throws(RESTError) -> SpotAnswer in
                let symbol = try call.symbol()
                let limit = try Self.limit(call.parameters, default: 100, max: 5000)
                do throws(VenueError) {
                    return SpotAnswer(SpotJSON.depth(try await call.venue.depth(symbol: symbol, limit: limit)))
                } catch {
                    throw RESTError(error)
                }
            },
            SpotEndpoint(.get, "/api/v3/trades", accepts: ["symbol", "limit"], weight: { _ in 25 }) {
                (call: SpotCall) async throws(RESTError) -> SpotAnswer in
                let symbol = try call.symbol()
                let limit = try Self.limit(call.parameters, default: 500, max: 1000)
                do throws(VenueError) {
                    let trades = try await call.venue.recentTrades(symbol: symbol, limit: limit)
                    return SpotAnswer(.array(trades.map(SpotJSON.publicTrade)))
                } catch {
                    throw RESTError(error)
                }
            },
        ]
    }

    /// `GET /api/v3/exchangeInfo`: all symbols, or those named by `symbol` or `symbols`.
    @Sendable func exchangeInfo(_ call: SpotCall) async throws(RESTError) -> SpotAnswer {
        var names: [String]?
        if let symbol = try call.parameters.symbol() {
            if call.parameters["symbols"] != nil {
                throw RESTError(code: -1128, msg: "Combination of optional parameters invalid.")
            }
            names = [symbol]
        } else if let list = call.parameters["symbols"] {
            names = try Self.symbolList(list)
        }
        let specs: [SymbolSpec]
        do throws(VenueError) {
            specs = try await call.venue.specs(names)
        } catch {
            throw RESTError(error)
        }
        let body: JSONValue = .object([
            ("timezone", .string("UTC")), ("serverTime", .int(call.now)),
            ("rateLimits", SpotJSON.rateLimits(
                weightLimit: configuration.weightLimit, ordersPer10s: configuration.ordersPer10s,
                ordersPerDay: configuration.ordersPerDay)),
            ("exchangeFilters", .array([])), ("symbols", .array(specs.map(SpotJSON.symbolInfo))),
        ])
        return SpotAnswer(body)
    }

    /// Depth weight by limit: ≤100 → 5, ≤500 → 25, ≤1000 → 50, else 250.
    @Sendable static func depthWeight(_ parameters: RequestParameters) -> Int {
        let limit = parameters["limit"].flatMap { Int($0) } ?? 100
        switch limit {
        case ...100: return 5
        case ...500: return 25
        case ...1000: return 50
        default: return 250
        }
    }

    /// A `limit` parameter, clamped to 1…`max` (Binance truncates larger limits); -1100 when
    /// it is not an integer.
    static func limit(_ parameters: RequestParameters, default value: Int, max: Int) throws(RESTError) -> Int {
        guard let sent = try parameters.integer("limit") else { return value }
        return Int(Swift.max(1, Swift.min(sent, Int64(max))))
    }

    /// Parses `symbols=["BTCUSDT","ETHUSDT"]`; -1100 when it is not such a list.
    static func symbolList(_ text: String) throws(RESTError) -> [String] {
        let trimmed = text.trimming(" ")
        guard trimmed.hasPrefix("["), trimmed.hasSuffix("]") else {
            throw .illegalCharacters("symbols", "^\\[(\"[A-Z0-9-_.]{1,20}\"(,\"[A-Z0-9-_.]{1,20}\"){0,}){0,1}\\]$")
        }
        let inner = trimmed.dropFirst().dropLast()
        return inner.split(separator: ",").map { item in
            item.trimming(" \"").uppercased()
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing characters from `set`.
    func trimming(_ set: String) -> String {
        let drop = Set(set)
        var slice = Substring(self)
        while let first = slice.first, drop.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, drop.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}

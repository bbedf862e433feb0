import Account
import Crypto
import EngineModel
import Foundation
import MarketData

/// What the reconciliation asks of a venue: its account as of now.
public protocol VenueAccountClient: Sendable {
    /// Balances, USD-M positions, open orders and the trades of `symbols` since `tradesSinceNs`
    /// (nil: the venue's most recent), as the venue sees them.
    func fetch(symbols: [Instrument], tradesSinceNs: Int64?) async throws -> VenueAccountState
    /// The request weight one `fetch` of `symbols` costs (for pacing under the venue's limits).
    func weight(symbols: Int) -> Int
}

/// A venue's refusal or an answer this client could not read.
public struct VenueAccountError: Error, CustomStringConvertible {
    public var description: String
    /// Seconds the venue asked us to wait (429/418 `Retry-After`).
    public var retryAfterSeconds: Int?
}

/// The account of a Binance spot or USD-M account (and of ExchangeSim, which speaks both) over
/// signed REST: `GET /api/v3/account`, `/api/v3/openOrders`, `/api/v3/myTrades`; USD-M
/// `/fapi/v2/balance`, `/fapi/v2/positionRisk`, `/fapi/v1/openOrders`, `/fapi/v1/userTrades`.
/// Requests are signed with HMAC-SHA256 over the query; the key travels in `X-MBX-APIKEY` and is
/// never logged.
public final class BinanceAccountClient: VenueAccountClient {
    private let client: RESTClient
    private let apiKey: String
    private let secret: [UInt8]
    let market: MarketKind
    let venue: String
    let assets: [String: SymbolAssets]
    /// The venue's clock minus ours, in ms (requests carry the venue's time).
    private let offsetMs: @Sendable () -> Int64

    /// A client over `client` for `market`, with the account's key and secret.
    public init(
        client: RESTClient, apiKey: String, apiSecret: String, market: MarketKind, venue: String,
        assets: [String: SymbolAssets], offsetMs: @escaping @Sendable () -> Int64 = { 0 }
    ) {
        self.client = client
        self.apiKey = apiKey
        secret = Array(apiSecret.utf8)
        self.market = market
        self.venue = venue
        self.assets = assets
        self.offsetMs = offsetMs
    }

    public func weight(symbols: Int) -> Int {
        // spot: account 20, openOrders 6 and myTrades 20 a symbol; USD-M: balance 5, positionRisk 5,
        // openOrders 1 and userTrades 5 a symbol.
        market == .spot ? 20 + 26 * symbols : 10 + 6 * symbols
    }

    public func fetch(symbols: [Instrument], tradesSinceNs: Int64?) async throws -> VenueAccountState {
        let fetched = Int64(Date().timeIntervalSince1970 * 1e9)
        var state = VenueAccountState(balances: [], positions: [], openOrders: [], trades: [], fetchedNs: fetched)
        if market == .spot {
            state.balances = try await spotBalances()
        } else {
            state.balances = try await futuresBalances()
            state.positions = try await futuresPositions(symbols)
        }
        for instrument in symbols {
            state.openOrders += try await openOrders(instrument)
            state.trades += try await trades(instrument, sinceNs: tradesSinceNs)
        }
        return state
    }

    /// Signs `query` (adding timestamp and recvWindow) and GETs `path`; the parsed JSON answer.
    func signedGet(_ path: String, _ query: [(String, String)]) async throws -> Any {
        var items = query
        items.append(("recvWindow", "5000"))
        items.append(("timestamp", String(Int64(Date().timeIntervalSince1970 * 1000) + offsetMs())))
        let text = items.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        let mac = HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: SymmetricKey(data: secret))
        let signature = mac.map { String(format: "%02x", $0) }.joined()
        let answer = try await client.send(
            .get, "\(path)?\(text)&signature=\(signature)", headers: [("X-MBX-APIKEY", apiKey)], limit: 8 << 20,
            timeoutSeconds: 10)
        guard answer.status == 200 else {
            let body = String(decoding: answer.body.prefix(300), as: UTF8.self)
            throw VenueAccountError(
                description: "GET \(path) answered \(answer.status): \(body)", retryAfterSeconds: answer.retryAfterSeconds)
        }
        do { return try JSONSerialization.jsonObject(with: Data(answer.body)) } catch {
            throw VenueAccountError(description: "GET \(path): the answer is not JSON")
        }
    }
}

import ExchangeSim
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting

/// Runs an `ExchangeSimServer` on an ephemeral loopback port for one test and talks to it over
/// real HTTP with Hummingbird's test client, signing requests like a Binance client.
struct SimHTTP: Sendable {
    /// The connected client.
    let client: TestClient
    /// The key and secret requests are signed with.
    var apiKey = ExchangeSimServer.Configuration.defaultAPIKey
    var apiSecret = ExchangeSimServer.Configuration.defaultAPISecret

    /// A decoded answer.
    struct Answer {
        let status: Int
        let headers: HTTPFields
        let json: Any?
        var object: [String: Any] { json as? [String: Any] ?? [:] }
        var array: [[String: Any]] { json as? [[String: Any]] ?? [] }
        var code: Int? { object["code"] as? Int }
        func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
    }

    /// Starts a server with `configuration`, runs `body` against it, and stops it.
    static func with(
        _ configuration: ExchangeSimServer.Configuration = quiet(),
            _ body: @escaping @Sendable (SimHTTP) async throws -> Void
    ) async throws {
        let server = try ExchangeSimServer(configuration: configuration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let port = await server.port()
            try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                try await body(SimHTTP(client: client))
            }
            group.cancelAll()
        }
    }

    /// The default configuration with a still book (no background stepping).
    static func quiet(weightLimit: Int = 6000) -> ExchangeSimServer.Configuration {
        var configuration = ExchangeSimServer.Configuration(weightLimit: weightLimit)
        configuration.participantIntervalMillis = 0
        return configuration
    }

    /// The server-clock stand-in: now in milliseconds.
    static func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Sends a request; `signed` adds `timestamp` (unless given) and `signature`, and the key header.
    func send(
        _ method: HTTPRequest.Method, _ path: String, query: [(String, String)] = [], body: [(String, String)] = [],
        signed: Bool = false, key: String?? = nil, timestamp: Int64? = nil
    ) async throws -> Answer {
        var queryPairs = query
        var bodyPairs = body
        if signed, !(query + body).contains(where: { $0.0 == "timestamp" }) {
            let stamp = ("timestamp", String(timestamp ?? Self.nowMillis()))
            if body.isEmpty { queryPairs.append(stamp) } else { bodyPairs.append(stamp) }
        }
        var queryText = Self.encode(queryPairs)
        var bodyText = Self.encode(bodyPairs)
        if signed {
            let signature = RequestAuthenticator.signature(of: queryText + bodyText, secret: apiSecret)
            if bodyText.isEmpty {
                queryText += (queryText.isEmpty ? "" : "&") + "signature=" + signature
            } else {
                bodyText += "&signature=" + signature
            }
        }
        var headers = HTTPFields()
        let sentKey: String? = key ?? (signed ? apiKey : nil)
        if let sentKey { headers[HTTPField.Name("X-MBX-APIKEY")!] = sentKey }
        if !bodyText.isEmpty { headers[.contentType] = "application/x-www-form-urlencoded" }
        let uri = queryText.isEmpty ? path : path + "?" + queryText
        let response = try await client.execute(
            .init(uri, method: method, headers: headers, body: bodyText.isEmpty ? nil : ByteBuffer(string: bodyText)))
        let data = response.body.map { Data(String(buffer: $0).utf8) } ?? Data()
        return Answer(
            status: response.status.code, headers: response.headers,
            json: try? JSONSerialization.jsonObject(with: data))
    }

    /// `a=1&b=2`, with the few characters tests use escaped.
    static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\($0.0)=\($0.1.replacingOccurrences(of: "\"", with: "%22"))" }.joined(separator: "&")
    }

    /// The free and locked amounts of an asset in `GET /api/v3/account`.
    func balance(_ asset: String) async throws -> (free: Double, locked: Double) {
        let account = try await send(.get, "/api/v3/account", signed: true).object
        let balances = account["balances"] as? [[String: Any]] ?? []
        let entry = balances.first { $0["asset"] as? String == asset } ?? [:]
        return (Double(entry["free"] as? String ?? "") ?? -1, Double(entry["locked"] as? String ?? "") ?? -1)
    }
}

import ExchangeSim
import Foundation

/// A WebSocket API connection of a test: sends `{"id","method","params"}` requests (signed like
/// a Binance client: sorted `name=value` pairs, HMAC-SHA256) and reads answers and user data
/// events from the connection's inbox.
struct WSAPISession: Sendable {
    let inbox: StreamInbox
    let sendText: @Sendable (String) async throws -> Void
    var apiKey = ExchangeSimServer.Configuration.defaultAPIKey
    var apiSecret = ExchangeSimServer.Configuration.defaultAPISecret

    /// The answer to request `id`, waiting up to 5 s.
    func reply(_ id: Int) async throws -> [String: Any]? {
        try await inbox.first { ($0["id"] as? NSNumber)?.intValue == id && $0["status"] != nil }
    }

    /// The signed form of `params`: `apiKey` and `timestamp` added (unless present), then
    /// `signature` over the sorted pairs.
    func signed(_ params: [String: Any], timestamp: Int64? = nil) -> [String: Any] {
        var params = params
        if params["apiKey"] == nil { params["apiKey"] = apiKey }
        if params["timestamp"] == nil { params["timestamp"] = timestamp ?? SimHTTP.nowMillis() }
        params["signature"] = RequestAuthenticator.signature(of: Self.payload(params), secret: apiSecret)
        return params
    }

    /// The documented signature payload of `params`.
    static func payload(_ params: [String: Any]) -> String {
        params.filter { $0.key != "signature" }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            .joined(separator: "&")
    }

    /// Sends a request (signing its params when `signed`) and waits for its answer.
    @discardableResult
    func call(_ id: Int, _ method: String, _ params: [String: Any]? = nil, signed: Bool = false) async throws
        -> [String: Any]
    {
        var request: [String: Any] = ["id": id, "method": method]
        if let params { request["params"] = signed ? self.signed(params) : params }
        try await send(request)
        guard let answer = try await reply(id) else {
            throw WSAPITestError.noReply(method)
        }
        return answer
    }

    /// Sends a request object as JSON.
    func send(_ request: [String: Any]) async throws {
        let data = try JSONSerialization.data(withJSONObject: request, options: [.sortedKeys])
        try await sendText(String(decoding: data, as: UTF8.self))
    }

    /// The user data events received so far, unwrapped, in arrival order.
    var events: [(subscriptionId: Int, event: [String: Any])] {
        inbox.messages.compactMap { message in
            guard let id = (message["subscriptionId"] as? NSNumber)?.intValue,
                let event = message["event"] as? [String: Any]
            else { return nil }
            return (id, event)
        }
    }

    /// Waits up to `seconds` for `count` events satisfying `match`; the events seen.
    func events(
        count: Int, within seconds: Double = 5, where match: ([String: Any]) -> Bool = { _ in true }
    ) async throws -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(seconds)
        var found: [[String: Any]] = []
        while Date() < deadline {
            found = events.map(\.event).filter(match)
            if found.count >= count { return found }
            try await Task.sleep(for: .milliseconds(20))
        }
        return found
    }
}

enum WSAPITestError: Error {
    case noReply(String)
}

extension SimStreams {
    /// Opens `/ws-api/v3` (plus `query`) and runs `body` with a session on it.
    func wsAPI(query: String = "", _ body: @escaping @Sendable (WSAPISession) async throws -> Void) async throws {
        try await connect("/ws-api/v3" + query) { inbox, send in
            try await body(WSAPISession(inbox: inbox, sendText: send))
        }
    }
}

/// Field access on decoded JSON.
extension Dictionary where Key == String, Value == Any {
    func jsonInt(_ key: String) -> Int64? { (self[key] as? NSNumber)?.int64Value }
    func jsonString(_ key: String) -> String? { self[key] as? String }
    func jsonObject(_ key: String) -> [String: Any] { self[key] as? [String: Any] ?? [:] }
    /// `error.code` of a WebSocket API answer.
    var wsErrorCode: Int? { (jsonObject("error")["code"] as? NSNumber)?.intValue }
    /// `status` of a WebSocket API answer.
    var wsStatus: Int? { (self["status"] as? NSNumber)?.intValue }
}

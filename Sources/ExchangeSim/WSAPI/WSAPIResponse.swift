/// The WebSocket API's answers: `{"id":…,"status":200,"result":…,"rateLimits":[…]}` or
/// `{"id":…,"status":4xx,"error":{"code":…,"msg":…},"rateLimits":[…]}`, fields in Binance's order.
enum WSAPIResponse {
    /// A successful answer.
    static func success(id: JSONValue, result: JSONValue, rateLimits: [JSONValue]?) -> String {
        var members: [(String, JSONValue)] = [("id", id), ("status", .int(200)), ("result", result)]
        if let rateLimits { members.append(("rateLimits", .array(rateLimits))) }
        return JSONValue.object(members).serialized()
    }

    /// A refusal with the REST error's status, code and message; 429 and 418 carry
    /// `error.data` with the server time and `retryAfter` (a timestamp, as Binance sends it).
    static func failure(id: JSONValue, error: RESTError, rateLimits: [JSONValue]?, now: Int64) -> String {
        var body: [(String, JSONValue)] = [("code", .int(error.code)), ("msg", .string(error.msg))]
        if let seconds = error.retryAfter {
            let retryAfter = now + Int64(seconds) * 1000
            body.append(("data", .object([("serverTime", .int(now)), ("retryAfter", .int(retryAfter))])))
        }
        var members: [(String, JSONValue)] = [
            ("id", id), ("status", .int(Int64(error.status.code))), ("error", .object(body)),
        ]
        if let rateLimits { members.append(("rateLimits", .array(rateLimits))) }
        return JSONValue.object(members).serialized()
    }

    /// One `rateLimits` entry.
    static func rateLimit(_ type: String, _ interval: String, _ number: Int, limit: Int, count: Int) -> JSONValue {
        .object([
            ("rateLimitType", .string(type)), ("interval", .string(interval)), ("intervalNum", .int(number)),
            ("limit", .int(limit)), ("count", .int(count)),
        ])
    }
}

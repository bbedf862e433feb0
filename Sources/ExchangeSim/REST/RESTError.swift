import HTTPTypes
import Matching

/// A refused REST request as Binance answers it: an HTTP status, a negative `code` and a `msg`
/// spelled exactly as the venue spells it; the body is `{"code":-1022,"msg":"…"}`.
public struct RESTError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The HTTP status (400 for most refusals, 401 for API-key failures, 429/418 for limits).
    public let status: HTTPResponse.Status
    /// Binance's error code.
    public let code: Int
    /// Binance's message.
    public let msg: String
    /// Seconds until the client may try again (`Retry-After`), for 429 and 418.
    public let retryAfter: Int?

    /// An error with an explicit status.
    public init(status: HTTPResponse.Status = .badRequest, code: Int, msg: String, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.msg = msg
        self.retryAfter = retryAfter
    }

    /// A matching-engine refusal; all of them are 400s.
    public init(_ error: VenueError) {
        self.init(code: error.code, msg: error.msg)
    }

    /// `"<code> <msg>"`.
    public var description: String { "\(code) \(msg)" }

    /// The JSON body.
    var body: JSONValue { .object([("code", .int(code)), ("msg", .string(msg))]) }
}

extension RESTError {
    /// -1003 (429): the request weight of the current minute is over the limit.
    static func tooMuchWeight(limit: Int, retryAfter: Int) -> RESTError {
        RESTError(
            status: .tooManyRequests, code: -1003,
            msg: "Too much request weight used; current limit is \(limit) request weight per 1 MINUTE. "
                + "Please use WebSocket Streams for live updates to avoid polling the API.",
            retryAfter: retryAfter)
    }

    /// -1003 (418): the IP kept sending after a 429 and is banned until `until` (ms).
    static func banned(until: Int64, retryAfter: Int) -> RESTError {
        RESTError(
            status: HTTPResponse.Status(code: 418, reasonPhrase: "I'm a teapot"), code: -1003,
            msg: "Way too much request weight used; IP banned until \(until). "
                + "Please use WebSocket Streams for live updates to avoid bans.",
            retryAfter: retryAfter)
    }

    /// -1015 (429): too many new orders in an interval.
    static func tooManyOrders(limit: Int, interval: String, retryAfter: Int) -> RESTError {
        RESTError(
            status: .tooManyRequests, code: -1015,
            msg: "Too many new orders; current limit is \(limit) orders per \(interval).", retryAfter: retryAfter)
    }

    /// -1021: the timestamp is outside the receive window.
    static let outsideRecvWindow = RESTError(code: -1021,
        msg: "Timestamp for this request is outside of the recvWindow.")

    /// -1022: the signature does not match.
    static let badSignature = RESTError(code: -1022, msg: "Signature for this request is not valid.")

    /// -2014 (401): the API-key header is missing or malformed.
    static let badAPIKeyFormat = RESTError(status: .unauthorized, code: -2014, msg: "API-key format invalid.")

    /// -2015 (401): the API key is unknown.
    static let rejectedAPIKey = RESTError(
        status: .unauthorized, code: -2015, msg: "Invalid API-key, IP, or permissions for action.")

    /// -1101: a parameter was sent twice.
    static let duplicateParameter = RESTError(code: -1101, msg: "Duplicate values for a parameter detected.")

    /// -1102: a mandatory parameter is missing, empty or malformed.
    static func mandatory(_ name: String) -> RESTError { RESTError(.mandatoryParameter(name)) }

    /// -1100: a parameter holds characters outside its legal pattern.
    static func illegalCharacters(_ name: String, _ range: String) -> RESTError {
        RESTError(.illegalCharacters(parameter: name, legalRange: range))
    }

    /// -1104: parameters the endpoint does not take were sent.
    static func unreadParameters(read: Int, sent: Int) -> RESTError {
        RESTError(
            code: -1104, msg: "Not all sent parameters were read; read '\(read)' parameter(s) but was sent '\(sent)'.")
    }

    /// -1131: `recvWindow` above 60000.
    static let badRecvWindow = RESTError(code: -1131, msg: "recvWindow must be less than 60000")

    /// -1117 / -1116 / -1115 / -1123 …: an enumerated parameter with an unknown value.
    static let invalidSide = RESTError(code: -1117, msg: "Invalid side.")
    /// -1116: unknown order type.
    static let invalidOrderType = RESTError(code: -1116, msg: "Invalid orderType.")
    /// -1115: unknown time in force.
    static let invalidTimeInForce = RESTError(code: -1115, msg: "Invalid timeInForce.")
    /// -1130: a parameter value the endpoint cannot use.
    static func invalidParameter(_ name: String) -> RESTError {
        RESTError(code: -1130, msg: "Data sent for parameter '\(name)' is not valid.")
    }
    /// -1013: the order type is listed but this simulator does not trade it.
    static let unsupportedOrderType = RESTError(code: -1013, msg: "Unsupported order combination")
}

/// What to do about a failed venue request, by what failed and what kind of request it was.
///
/// The one rule that matters: a request that changes state at the venue (placing or canceling
/// an order) whose outcome is unknown is never simply resent — it may have executed, and a
/// resend would double the order. It is `.queryOutcome`: the order goes UNKNOWN and the venue is
/// asked. Binance says so for 5xx answers and for −1006/−1007 ("execution status unknown").
///
/// Binance classification (spot error codes):
///
/// | failure | place / cancel | query |
/// |---|---|---|
/// | connect failed, nothing written | retry | retry |
/// | disconnect after writing, request timeout | queryOutcome | retry |
/// | HTTP 5xx, −1000 UNKNOWN, −1006 UNEXPECTED_RESP, −1007 TIMEOUT | queryOutcome | retry |
/// | −1001 DISCONNECTED, −1016 SERVICE_SHUTTING_DOWN | retry | retry |
/// | HTTP 429/418, −1003 TOO_MANY_REQUESTS, −1004/−1008 SERVER_BUSY, −1015 TOO_MANY_ORDERS, −1034 TOO_MANY_CONNECTIONS | retryAfterBackoff | retryAfterBackoff |
/// | −1021 INVALID_TIMESTAMP (recvWindow) | retryAfterTimeSync | retryAfterTimeSync |
/// | HTTP 401, −1002 UNAUTHORIZED, −1022 INVALID_SIGNATURE, −2014 BAD_API_KEY_FMT, −2015 REJECTED_MBX_KEY | halt | halt |
/// | −1013 filter failure, −1014/−1020 unsupported order or operation, −11xx bad parameters (−1121 bad symbol), −2010 order rejected, −2011 cancel rejected, −2013 no such order, other 4xx | fail | fail |
///
/// A code the table does not name is judged by its range: other −10xx codes are Binance's
/// "general server or network issues", so an order's outcome is unknown (queryOutcome for
/// place/cancel, retry for queries); anything else is the request's fault (fail).
public enum VenueFailureClass: String, CaseIterable, Hashable, Sendable {
    /// Transient and nothing executed: retry after the policy's delay.
    case retry
    /// Rate limited: tell the rate limiter (Retry-After), then retry after the longer delay.
    case retryAfterBackoff = "retry_after_backoff"
    /// The request's timestamp was outside recvWindow: refresh the server time offset, retry.
    case retryAfterTimeSync = "retry_after_time_sync"
    /// The request may have executed: mark the order UNKNOWN, query the venue, never resend.
    case queryOutcome = "query_outcome"
    /// The venue refused the request itself: report it (a rejection), do not retry.
    case fail
    /// Authentication or permission failure: halt trading, trip the breaker, alert.
    case halt

    /// Whether the same request may be sent again.
    public var isRetryable: Bool {
        switch self {
        case .retry, .retryAfterBackoff, .retryAfterTimeSync: true
        case .queryOutcome, .fail, .halt: false
        }
    }

    /// Whether the failure says the venue or the path to it is unhealthy, so it counts toward
    /// the circuit breaker. A venue's rejection of a bad order does not; a halt trips it at once.
    public var countsAsBreakerFailure: Bool {
        switch self {
        case .retry, .retryAfterBackoff, .queryOutcome: true
        case .retryAfterTimeSync, .fail, .halt: false
        }
    }

    /// The class of a failure of a `request`.
    public static func classify(_ failure: VenueFailure, request: VenueRequestKind) -> VenueFailureClass {
        switch failure {
        case .connectFailed:
            return .retry
        case .disconnectedAfterSend, .timedOut:
            return unknownOutcome(request)
        case .http(let status, let code):
            if let code { return classify(binanceCode: code, request: request) }
            switch status {
            case 429, 418: return .retryAfterBackoff
            case 401: return .halt
            case 500...599: return unknownOutcome(request)
            default: return .fail
            }
        case .venue(let code):
            return classify(binanceCode: code, request: request)
        }
    }

    /// The class of a Binance error code in the answer to a `request`.
    public static func classify(binanceCode code: Int, request: VenueRequestKind) -> VenueFailureClass {
        switch code {
        case -1000, -1006, -1007: return unknownOutcome(request)
        case -1001, -1016: return .retry
        case -1003, -1004, -1008, -1015, -1034: return .retryAfterBackoff
        case -1013, -1014, -1020: return .fail
        case -1021: return .retryAfterTimeSync
        case -1002, -1022, -2014, -2015: return .halt
        case -1099...(-1000): return unknownOutcome(request)
        default: return .fail
        }
    }

    /// Whether a Binance error code may be retried for a `request` (default: placing an order).
    public static func isRetryable(code: Int, request: VenueRequestKind = .placeOrder) -> Bool {
        classify(binanceCode: code, request: request).isRetryable
    }

    /// `.queryOutcome` for requests that change state at the venue, `.retry` for queries.
    private static func unknownOutcome(_ request: VenueRequestKind) -> VenueFailureClass {
        request.changesVenueState ? .queryOutcome : .retry
    }
}

/// What a failed request was for: it decides whether an unknown outcome may be resent.
public enum VenueRequestKind: Hashable, Sendable, CaseIterable {
    /// A new order.
    case placeOrder
    /// A cancel.
    case cancelOrder
    /// A read: order status, trades, balances, snapshots, server time.
    case query

    /// Whether the request changes state at the venue (place, cancel).
    public var changesVenueState: Bool { self != .query }
}

/// How a venue request failed.
public enum VenueFailure: Hashable, Sendable {
    /// The connection could not be made: nothing was written.
    case connectFailed
    /// The connection dropped after the request was written, before the answer.
    case disconnectedAfterSend
    /// No answer within the request timeout.
    case timedOut
    /// An HTTP error answer, with the venue's error code if its body had one.
    case http(status: Int, code: Int?)
    /// A venue error code without HTTP (a WebSocket API answer).
    case venue(code: Int)
}

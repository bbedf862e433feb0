/// One fault to inject, parsed from a compact spec such as `disconnect:after=500`,
/// `drop-diff:symbol=BTCUSDT,after=100`, `stall:after=100,ms=5000,next=1` or `rest-429:count=20`.
///
/// Grammar: `<kind>[:<key>=<value>[,<key>=<value>]…]`; keys by kind:
/// - `disconnect` — `after` (messages, default 0): close a stream connection after it has sent
///   that many messages.
/// - `drop-diff` — `symbol` (default any), `after` (depth diffs, default 0), `count` (default 1):
///   leave out diffs, so the client sees a `U`/`u` gap.
/// - `malformed` — `after` (messages, default 0): send one truncated JSON text frame (the real
///   message follows it).
/// - `stall` — `after` (messages, default 0), `ms` (default: until cleared): no data and no
///   pings, then resume with what was queued.
/// - `rest-429` — `count` (default 1), `retry` (Retry-After seconds, default 1): the next
///   `count` REST requests are answered 429; a request within Retry-After of the last one is
///   banned with 418, as the rate limiter does.
/// - `order-5xx` — `count` (default 1): order requests (REST order endpoints, and the WebSocket
///   API's `order.place`, `order.cancel`, `openOrders.cancelAll`) execute but answer 503 / -1007.
/// - `ack-delay` — `ms` (required), `count` (default: until cleared): the answers to those
///   order requests wait `ms` after the order was executed.
/// - `dup-exec` — `count` (default 1): the user data stream sends an executionReport twice.
///
/// Scope, optional: `conn=ID` (one open connection, ids from `GET /admin/faults`) or `next=N`
/// (the next N connections to open); without it the fault is global (every connection, open
/// or future, and for `order-5xx` and `ack-delay` every REST order request too). A scoped
/// `order-5xx` or `ack-delay` acts on WebSocket API connections only; `rest-429` is always
/// global.
public struct FaultSpec: Hashable, Sendable, CustomStringConvertible {
    /// What the fault does.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case disconnect
        case dropDiff = "drop-diff"
        case malformed
        case stall
        case rest429 = "rest-429"
        case order5xx = "order-5xx"
        case ackDelay = "ack-delay"
        case dupExec = "dup-exec"

        /// Whether it acts on market-data stream connections.
        public var isStreamFault: Bool { [.disconnect, .dropDiff, .malformed, .stall].contains(self) }
        /// Whether it acts on REST requests.
        public var isRESTFault: Bool { [.rest429, .order5xx, .ackDelay].contains(self) }
        /// Whether it acts on the answers to order requests, over REST and the WebSocket API.
        public var isOrderFault: Bool { [.order5xx, .ackDelay].contains(self) }
        /// Whether it takes a `conn=` or `next=` scope: all but `rest-429`, which runs in the
        /// rate limiter every REST client shares.
        public var takesConnectionScope: Bool { self != .rest429 }

        /// The keys the kind takes besides the scope keys.
        var keys: [String] {
            switch self {
            case .disconnect, .malformed: ["after"]
            case .dropDiff: ["symbol", "after", "count"]
            case .stall: ["after", "ms"]
            case .rest429: ["count", "retry"]
            case .order5xx, .dupExec: ["count"]
            case .ackDelay: ["ms", "count"]
            }
        }
    }

    /// Which connections a fault applies to.
    public enum Scope: Hashable, Sendable {
        /// Every connection, open or future (REST faults: every request).
        case global
        /// One open connection, by the id `GET /admin/faults` lists.
        case connection(Int)
        /// The next `n` connections to open.
        case next(Int)
    }

    /// The kind.
    public var kind: Kind
    /// The scope.
    public var scope: Scope
    /// Messages (or depth diffs, for `drop-diff`) let through before the fault acts.
    public var after: Int
    /// How many times the fault acts; nil: until cleared.
    public var count: Int?
    /// A duration in milliseconds (`stall`, `ack-delay`); nil for a stall: until cleared.
    public var millis: Int?
    /// The symbol a `drop-diff` watches (uppercase); nil: any.
    public var symbol: String?
    /// Retry-After seconds of a `rest-429` storm.
    public var retryAfter: Int

    /// A fault from its parts.
    public init(
        _ kind: Kind, scope: Scope = .global, after: Int = 0, count: Int? = nil, millis: Int? = nil,
        symbol: String? = nil, retryAfter: Int = 1
    ) {
        self.kind = kind
        self.scope = scope
        self.after = after
        self.count = count ?? Self.defaultCount(kind)
        self.millis = millis
        self.symbol = symbol?.uppercased()
        self.retryAfter = retryAfter
    }

    /// The count a kind has when none is given.
    private static func defaultCount(_ kind: Kind) -> Int? {
        switch kind {
        case .dropDiff, .rest429, .order5xx, .dupExec: 1
        case .disconnect, .malformed, .stall, .ackDelay: nil
        }
    }

    /// The spec in its compact syntax (parses back to an equal value).
    public var description: String {
        var pairs: [String] = []
        if let symbol { pairs.append("symbol=\(symbol)") }
        if kind.keys.contains("after") { pairs.append("after=\(after)") }
        if let millis { pairs.append("ms=\(millis)") }
        if let count, kind.keys.contains("count") { pairs.append("count=\(count)") }
        if kind == .rest429 { pairs.append("retry=\(retryAfter)") }
        switch scope {
        case .global: break
        case .connection(let id): pairs.append("conn=\(id)")
        case .next(let n): pairs.append("next=\(n)")
        }
        return pairs.isEmpty ? kind.rawValue : kind.rawValue + ":" + pairs.joined(separator: ",")
    }
}

/// A fault spec that does not parse; the message names the problem and what is accepted.
public struct FaultSpecError: Error, Hashable, Sendable, CustomStringConvertible {
    /// One line saying what is wrong.
    public let description: String
}

extension FaultSpec {
    /// Parses the compact syntax; throws a one-line explanation.
    public init(parsing text: String) throws(FaultSpecError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let head = trimmed.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let kindName = String(head[0])
        guard let kind = Kind(rawValue: kindName) else {
            let known = Kind.allCases.map(\.rawValue).joined(separator: ", ")
            throw FaultSpecError(description: "fault '\(trimmed)': unknown kind '\(kindName)'; known: \(known)")
        }
        var values: [String: String] = [:]
        if head.count == 2 {
            for pair in head[1].split(separator: ",", omittingEmptySubsequences: false) {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = String(parts[0]).trimmingCharacters(in: .whitespaces)
                guard parts.count == 2, !key.isEmpty else {
                    throw FaultSpecError(description: "fault '\(trimmed)': expected key=value, got '\(pair)'")
                }
                let allowed = kind.keys + ["conn", "next"]
                guard allowed.contains(key) else {
                    let keys = allowed.joined(separator: ", ")
                    throw FaultSpecError(
                        description: "fault '\(trimmed)': \(kind.rawValue) takes no '\(key)'; keys: \(keys)")
                }
                guard values[key] == nil else {
                    throw FaultSpecError(description: "fault '\(trimmed)': '\(key)' given twice")
                }
                values[key] = String(parts[1]).trimmingCharacters(in: .whitespaces)
            }
        }
        func number(_ key: String, minimum: Int = 0) throws(FaultSpecError) -> Int? {
            guard let value = values[key] else { return nil }
            guard let number = Int(value), number >= minimum else {
                throw FaultSpecError(
                    description:
                        "fault '\(trimmed)': \(key) must be an integer ≥ \(minimum), got '\(value)'")
            }
            return number
        }
        var scope = Scope.global
        if values["conn"] != nil && values["next"] != nil {
            throw FaultSpecError(description: "fault '\(trimmed)': give conn= or next=, not both")
        }
        if let id = try number("conn", minimum: 1) { scope = .connection(id) }
        if let n = try number("next", minimum: 1) { scope = .next(n) }
        if !kind.takesConnectionScope && scope != .global {
            throw FaultSpecError(
                description:
                    "fault '\(trimmed)': \(kind.rawValue) acts on REST requests and takes no conn= or next=")
        }
        let millis = try number("ms", minimum: 1)
        if kind == .ackDelay && millis == nil {
            throw FaultSpecError(description: "fault '\(trimmed)': ack-delay needs ms=<milliseconds>")
        }
        var symbol: String?
        if let name = values["symbol"] {
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber }) else {
                throw FaultSpecError(
                    description: "fault '\(trimmed)': symbol must be letters and digits, got '\(name)'")
            }
            symbol = name
        }
        self.init(
            kind, scope: scope, after: try number("after") ?? 0, count: try number("count", minimum: 1),
            millis: millis, symbol: symbol, retryAfter: try number("retry", minimum: 1) ?? 1)
    }
}

/// A market stream a connection can subscribe to: `<symbol>@depth`, `<symbol>@depth@100ms`,
/// `<symbol>@depth@1000ms`, the partial books `<symbol>@depth<5|10|20>[@100ms|@1000ms]`,
/// `<symbol>@trade`, `<symbol>@aggTrade`, `<symbol>@bookTicker` (symbol lowercase).
struct StreamName: Hashable, Sendable {
    /// What the stream carries.
    enum Kind: Hashable, Sendable {
        /// Diff depth, batched per `intervalMillis`.
        case depth(intervalMillis: Int)
        /// The top `levels` of the book, sent whole every `intervalMillis`.
        case partialDepth(levels: Int, intervalMillis: Int)
        /// Public trades.
        case trade
        /// Public trades, aggregated (one a taker fill here).
        case aggTrade
        /// Best bid/ask changes.
        case bookTicker
    }

    /// The symbol, uppercase as the venue lists it.
    let symbol: String
    /// The kind.
    let kind: Kind
    /// The name as the client wrote it (and as `LIST_SUBSCRIPTIONS` and combined payloads show it).
    let name: String

    /// Parses a stream name; nil if it is not one the venue serves.
    init?(_ text: String) {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, !parts[0].isEmpty, parts[0] == parts[0].lowercased() else { return nil }
        symbol = parts[0].uppercased()
        switch parts.dropFirst().joined(separator: "@") {
        case "depth", "depth@1000ms": kind = .depth(intervalMillis: 1000)
        case "depth@100ms": kind = .depth(intervalMillis: 100)
        case "trade": kind = .trade
        case "aggTrade": kind = .aggTrade
        case let rest where rest.hasPrefix("depth"):
            guard let partial = Self.partialDepth(rest) else { return nil }
            kind = partial
        case "bookTicker": kind = .bookTicker
        default: return nil
        }
        name = text
    }

    /// `depth<5|10|20>[@100ms|@1000ms]` as a kind; nil for anything else.
    private static func partialDepth(_ text: String) -> Kind? {
        let parts = text.dropFirst("depth".count).split(separator: "@", omittingEmptySubsequences: false)
        guard let levels = Int(parts[0]), [5, 10, 20].contains(levels), String(levels) == parts[0] else { return nil }
        switch parts.count == 1 ? "1000ms" : parts.dropFirst().joined(separator: "@") {
        case "1000ms": return .partialDepth(levels: levels, intervalMillis: 1000)
        case "100ms": return .partialDepth(levels: levels, intervalMillis: 100)
        default: return nil
        }
    }

    /// The key events are routed by: symbol and kind (so `btcusdt@depth` and `btcusdt@depth@1000ms`
    /// receive the same payloads under their own names).
    var route: Route { Route(symbol: symbol, kind: kind) }

    /// Symbol and kind.
    struct Route: Hashable, Sendable {
        let symbol: String
        let kind: Kind
    }
}

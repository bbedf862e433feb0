/// A USD-M futures market stream a connection can subscribe to: `<symbol>@depth` (250 ms),
/// `<symbol>@depth@100ms`, `<symbol>@depth@250ms`, `<symbol>@depth@500ms`,
/// `<symbol>@bookTicker`, `<symbol>@aggTrade` (symbol lowercase).
struct FuturesStreamName: Hashable, Sendable {
    /// What the stream carries.
    enum Kind: Hashable, Sendable {
        /// Diff depth with `pu`, batched per `intervalMillis`.
        case depth(intervalMillis: Int)
        /// Public trades, one aggregate per trade.
        case aggTrade
        /// Best bid/ask changes.
        case bookTicker
    }

    /// The symbol, uppercase as the venue lists it.
    let symbol: String
    /// The kind.
    let kind: Kind
    /// The name as the client wrote it.
    let name: String

    /// The windowed depth intervals futures serve, in milliseconds (`@depth@0ms`, unthrottled,
    /// is sent per change as it happens, outside the windows).
    static let depthIntervals = [100, 250, 500]

    /// Parses a stream name; nil if it is not one the futures venue serves.
    init?(_ text: String) {
        guard let at = text.firstIndex(of: "@") else { return nil }
        let symbol = text[..<at]
        guard !symbol.isEmpty, symbol == symbol.lowercased() else { return nil }
        switch text[text.index(after: at)...] {
        case "depth", "depth@250ms": kind = .depth(intervalMillis: 250)
        case "depth@0ms": kind = .depth(intervalMillis: 0)
        case "depth@100ms": kind = .depth(intervalMillis: 100)
        case "depth@500ms": kind = .depth(intervalMillis: 500)
        case "aggTrade": kind = .aggTrade
        case "bookTicker": kind = .bookTicker
        default: return nil
        }
        self.symbol = symbol.uppercased()
        name = text
    }
}

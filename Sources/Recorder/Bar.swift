import EngineModel

/// An OHLC bar of one symbol's trades over `intervalSeconds` (1 and 60 are recorded), opening at
/// `openNs` (a multiple of the interval since the epoch). Open and close are the earliest and the
/// latest trade by exchange time; volume is the sum of traded quantities.
public struct Bar: Sendable, Hashable {
    /// The instrument.
    public var symbol: String
    /// The bar's length in seconds.
    public var intervalSeconds: Int
    /// The bar's start, ns since the epoch.
    public var openNs: Int64
    /// The first trade's price.
    public var open: Price
    /// The highest trade price.
    public var high: Price
    /// The lowest trade price.
    public var low: Price
    /// The last trade's price.
    public var close: Price
    /// The traded quantity.
    public var volume: Quantity
    /// How many trades.
    public var trades: Int

    /// A bar from its parts.
    public init(
        symbol: String, intervalSeconds: Int, openNs: Int64, open: Price, high: Price, low: Price, close: Price,
        volume: Quantity, trades: Int
    ) {
        self.symbol = symbol
        self.intervalSeconds = intervalSeconds
        self.openNs = openNs
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
        self.trades = trades
    }

    /// The CSV header matching `csvRow`.
    public static let csvHeader = "symbol,interval_s,open_ns,open,high,low,close,volume,trades"

    /// One CSV line (no newline): decimals printed exactly, never through floating point.
    public var csvRow: String {
        [
            RecorderCSV.field(symbol), "\(intervalSeconds)", "\(openNs)", open.description, high.description,
            low.description, close.description, volume.description, "\(trades)",
        ].joined(separator: ",")
    }

    /// The start of the `intervalSeconds` bar holding `ns` (floor division, so times before the
    /// epoch land in the right bar too).
    static func openNs(for ns: Int64, intervalSeconds: Int) -> Int64 {
        let width = Int64(intervalSeconds) * 1_000_000_000
        let remainder = ns % width
        return remainder >= 0 ? ns - remainder : ns - remainder - width
    }
}

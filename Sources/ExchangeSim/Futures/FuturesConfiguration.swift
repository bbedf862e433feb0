import EngineModel

/// The USD-M futures market of the simulated venue (`ExchangeSimServer.Configuration.futures`):
/// market data only — `/fapi/v1/ping`, `/time`, `exchangeInfo`, `depth` and the `/fstream`
/// WebSocket streams — for perpetual contracts with their own books and background liquidity,
/// plus the USD-M symbols of a replay.
public struct FuturesConfiguration: Sendable {
    /// The listed perpetual contracts (their books are separate from spot's).
    public var symbols: [SimSymbol]
    /// REQUEST_WEIGHT per minute `exchangeInfo` announces (Binance: 2400).
    public var weightLimit: Int

    /// The built-in contracts.
    public init(symbols: [SimSymbol] = FuturesConfiguration.builtIn, weightLimit: Int = 2400) {
        self.symbols = symbols
        self.weightLimit = weightLimit
    }

    /// A few USD-M perpetuals with Binance's published filters.
    public static let builtIn: [SimSymbol] = [
        make("BTCUSDT", "BTC", tick: "0.10", step: "0.001", minNotional: "100", maxPrice: "4529764", maxQty: "1000",
             mid: "65000"),
        make("ETHUSDT", "ETH", tick: "0.01", step: "0.001", minNotional: "20", maxPrice: "306177", maxQty: "10000",
             mid: "3000"),
        make("BNBUSDT", "BNB", tick: "0.01", step: "0.01", minNotional: "5", maxPrice: "100000", maxQty: "100000",
             mid: "600"),
        make("SOLUSDT", "SOL", tick: "0.01", step: "1", minNotional: "5", maxPrice: "6857", maxQty: "1000000",
             mid: "150"),
        make("XRPUSDT", "XRP", tick: "0.0001", step: "0.1", minNotional: "5", maxPrice: "4000", maxQty: "10000000",
             mid: "0.5"),
    ]

    /// Builds a table entry; the table is constant, so a bad entry is a programming error.
    private static func make(
        _ symbol: String, _ base: String, tick: String, step: String, minNotional: String, maxPrice: String,
        maxQty: String, mid: String
    ) -> SimSymbol {
        do {
            let instrument = try Instrument(
                symbol: symbol, venue: "binance-usdm", tickSize: tick, stepSize: step, minNotional: minNotional)
            let spec = SymbolSpec(
                instrument: instrument, baseAsset: base, quoteAsset: "USDT",
                maxPrice: try Price(parsing: maxPrice, exponent: instrument.priceExponent),
                maxQuantity: try Quantity(parsing: maxQty, exponent: instrument.quantityExponent))
            return SimSymbol(spec: spec, initialMid: try Price(parsing: mid, exponent: instrument.priceExponent))
        } catch {
            preconditionFailure("built-in futures symbol \(symbol): \(error)")
        }
    }
}

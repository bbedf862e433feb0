import EngineModel
import Matching

/// The USD-M futures market of the simulated venue (`ExchangeSimServer.Configuration.futures`):
/// market data — `/fapi/v1/ping`, `/time`, `exchangeInfo`, `depth` and the `/fstream`
/// WebSocket streams — for perpetual contracts with their own books and background liquidity,
/// plus the USD-M symbols of a replay; and order entry with one-way positions, cross margin in
/// USDT, funding and liquidation (`FuturesClearing`), whose rates are set here.
public struct FuturesConfiguration: Sendable {
    /// The listed perpetual contracts (their books are separate from spot's).
    public var symbols: [SimSymbol]
    /// REQUEST_WEIGHT per minute `exchangeInfo` announces (Binance: 2400).
    public var weightLimit: Int

    /// Every test account's USDT wallet balance at start (decimal text).
    public var walletBalance: String = "1000000"
    /// Leverage of a symbol until `POST /fapi/v1/leverage` changes it (Binance: 20).
    public var defaultLeverage: Int = 20
    /// The highest leverage `POST /fapi/v1/leverage` accepts (Binance's BTCUSDT: 125).
    public var maxLeverage: Int = 125
    /// Commission of a fill that rested on the book, on its notional (Binance: 0.0002).
    public var makerCommission: String = "0.0002"
    /// Commission of a fill that took liquidity, on its notional (Binance: 0.0005).
    public var takerCommission: String = "0.0005"
    /// Maintenance margin rate on a position's notional at the mark price (Binance's first
    /// bracket of BTCUSDT: 0.004); a margin ratio of 100 % liquidates.
    public var maintenanceMarginRate: String = "0.004"
    /// The funding rate paid by longs to shorts (negative: shorts pay) at every funding time.
    public var fundingRate: String = "0.0001"
    /// Funding times are multiples of this on the futures clock (Binance: 8 h from 00:00 UTC).
    public var fundingIntervalMillis: Int64 = 8 * 3_600_000
    /// The clock funding and listen-key expiry follow; nil: the wall clock, checked each second.
    /// Tests pass a `SimClock` and advance it instead of waiting.
    public var clock: SimClock?

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

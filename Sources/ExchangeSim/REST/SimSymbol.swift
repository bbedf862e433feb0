import EngineModel
import Matching

/// A symbol the simulated venue can list: Binance's filters for it and where its background
/// liquidity starts.
public struct SimSymbol: Hashable, Sendable {
    /// The filters and assets.
    public let spec: SymbolSpec
    /// The mid price the liquidity participant starts from.
    public let initialMid: Price

    /// A symbol from its rules and starting mid.
    public init(spec: SymbolSpec, initialMid: Price) {
        self.spec = spec
        self.initialMid = initialMid
    }

    /// The venue's name for it ("BTCUSDT").
    public var symbol: String { spec.symbol }

    /// The built-in table: a few Binance spot symbols with the venue's published filters.
    public static let builtIn: [SimSymbol] = [
        make("BTCUSDT", "BTC", "USDT", tick: "0.01", step: "0.00001", minNotional: "5", maxPrice: "1000000",
             maxQty: "9000", maxNotional: "9000000", mid: "65000"),
        make("ETHUSDT", "ETH", "USDT", tick: "0.01", step: "0.0001", minNotional: "5", maxPrice: "1000000",
             maxQty: "9000", maxNotional: "9000000", mid: "3000"),
        make("BNBUSDT", "BNB", "USDT", tick: "0.01", step: "0.001", minNotional: "5", maxPrice: "1000000",
             maxQty: "9000", maxNotional: "9000000", mid: "600"),
        make("SOLUSDT", "SOL", "USDT", tick: "0.01", step: "0.001", minNotional: "5", maxPrice: "1000000",
             maxQty: "9000", maxNotional: "9000000", mid: "150"),
        make("XRPUSDT", "XRP", "USDT", tick: "0.0001", step: "0.1", minNotional: "5", maxPrice: "10000",
             maxQty: "9000000", maxNotional: "9000000", mid: "0.5"),
        make("ETHBTC", "ETH", "BTC", tick: "0.00001", step: "0.0001", minNotional: "0.0001", maxPrice: "922327",
             maxQty: "100000", maxNotional: "9000000", mid: "0.05"),
    ]

    /// The built-in symbol called `name` (case-insensitive), if any.
    public static func named(_ name: String) -> SimSymbol? {
        builtIn.first { $0.symbol == name.uppercased() }
    }

    /// Builds a table entry; the table is constant, so a bad entry is a programming error.
    private static func make(
        _ symbol: String, _ base: String, _ quote: String, tick: String, step: String, minNotional: String,
        maxPrice: String, maxQty: String, maxNotional: String, mid: String
    ) -> SimSymbol {
        do {
            let instrument = try Instrument(
                symbol: symbol, venue: "binance", tickSize: tick, stepSize: step, minNotional: minNotional)
            let pe = instrument.priceExponent
            let qe = instrument.quantityExponent
            let spec = SymbolSpec(
                instrument: instrument, baseAsset: base, quoteAsset: quote,
                maxPrice: try Price(parsing: maxPrice, exponent: pe),
                maxQuantity: try Quantity(parsing: maxQty, exponent: qe),
                maxNotional: try Price(parsing: maxNotional, exponent: pe))
            return SimSymbol(spec: spec, initialMid: try Price(parsing: mid, exponent: pe))
        } catch {
            preconditionFailure("built-in symbol \(symbol): \(error)")
        }
    }
}

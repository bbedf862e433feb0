import EngineModel

/// Instruments the synthetic venue knows, with Binance's filters and a plausible start price.
enum SyntheticCatalog {
    struct Entry {
        let symbol: String
        let tickSize: String
        let stepSize: String
        let minNotional: String
        let startPrice: String
    }

    static let entries: [Entry] = [
        Entry(symbol: "BTCUSDT", tickSize: "0.01", stepSize: "0.00001", minNotional: "5", startPrice: "65000.00"),
        Entry(symbol: "ETHUSDT", tickSize: "0.01", stepSize: "0.0001", minNotional: "5", startPrice: "3400.00"),
        Entry(symbol: "SOLUSDT", tickSize: "0.01", stepSize: "0.001", minNotional: "5", startPrice: "150.00"),
        Entry(symbol: "BNBUSDT", tickSize: "0.01", stepSize: "0.001", minNotional: "5", startPrice: "600.00"),
        Entry(symbol: "XRPUSDT", tickSize: "0.0001", stepSize: "0.1", minNotional: "5", startPrice: "0.5000"),
        Entry(symbol: "DOGEUSDT", tickSize: "0.00001", stepSize: "1", minNotional: "1", startPrice: "0.15000"),
    ]

    static var symbols: [String] { entries.map(\.symbol) }

    /// The instrument and start price mantissa for a symbol, or nil when unknown.
    static func lookup(_ symbol: String) -> (Instrument, Int64)? {
        guard let e = entries.first(where: { $0.symbol == symbol.uppercased() }),
            let instrument = try? Instrument(
                symbol: e.symbol, venue: "synthetic", tickSize: e.tickSize, stepSize: e.stepSize,
                minNotional: e.minNotional),
            let start = try? instrument.parsePrice(e.startPrice)
        else { return nil }
        return (instrument, start.mantissa)
    }
}

import EngineModel
import Foundation

/// Instruments from a venue's `exchangeInfo` answer (spot or USD-M futures shape).
///
/// The price exponent is the tick size's (BTCUSDT 0.01 → −2). The quantity exponent is the finer
/// of the step size's and the base asset precision's: the step size binds orders, not the book,
/// and the venue streams book quantities at the asset's precision (recorded BTCUSDT diffs carry
/// quantities below its 0.00001 step), so a book kept at the step's exponent would reject real
/// data. Binance's 8 decimals leave room for 92 billion units a level.
public enum InstrumentCatalog {
    /// Why an answer could not give the wanted instruments.
    public enum CatalogError: Error, CustomStringConvertible, Equatable {
        case malformed(String)
        case unknownSymbols([String])

        public var description: String {
            switch self {
            case .malformed(let why): "exchangeInfo answer not understood: \(why)"
            case .unknownSymbols(let names): "not listed by the venue: \(names.joined(separator: ", "))"
            }
        }
    }

    /// The instruments for `symbols` (upper case), in that order.
    public static func instruments(
        exchangeInfo body: [UInt8], symbols: [String], venue: String
    ) throws(CatalogError) -> [Instrument] {
        guard let root = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let listed = root["symbols"] as? [[String: Any]]
        else { throw .malformed("no symbols array") }
        var bySymbol: [String: [String: Any]] = [:]
        for entry in listed {
            if let name = entry["symbol"] as? String { bySymbol[name.uppercased()] = entry }
        }
        let missing = symbols.filter { bySymbol[$0] == nil }
        guard missing.isEmpty else { throw .unknownSymbols(missing) }
        var out: [Instrument] = []
        for symbol in symbols {
            out.append(try instrument(bySymbol[symbol]!, symbol: symbol, venue: venue))
        }
        return out
    }

    /// The base and quote asset of each of `symbols` (USD-M: the quote is the margin asset), by
    /// symbol; a symbol the answer does not name its assets for is left out.
    public static func assets(exchangeInfo body: [UInt8], symbols: [String]) -> [String: (base: String, quote: String)] {
        guard let root = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let listed = root["symbols"] as? [[String: Any]]
        else { return [:] }
        var out: [String: (base: String, quote: String)] = [:]
        for entry in listed {
            guard let name = (entry["symbol"] as? String)?.uppercased(), symbols.contains(name),
                let base = entry["baseAsset"] as? String,
                let quote = (entry["marginAsset"] as? String) ?? (entry["quoteAsset"] as? String)
            else { continue }
            out[name] = (base.uppercased(), quote.uppercased())
        }
        return out
    }

    private static func instrument(_ entry: [String: Any], symbol: String, venue: String) throws(CatalogError)
        -> Instrument
    {
        let filters = entry["filters"] as? [[String: Any]] ?? []
        func filter(_ type: String, _ key: String) -> String? {
            filters.first { $0["filterType"] as? String == type }?[key] as? String
        }
        guard let tickText = filter("PRICE_FILTER", "tickSize"), let stepText = filter("LOT_SIZE", "stepSize") else {
            throw .malformed("\(symbol) has no PRICE_FILTER tickSize or LOT_SIZE stepSize")
        }
        let notionalText =
            filter("NOTIONAL", "minNotional") ?? filter("MIN_NOTIONAL", "minNotional")
            ?? filter("MIN_NOTIONAL", "notional") ?? "0"
        do {
            let parsed = try Instrument(
                symbol: symbol, venue: venue, tickSize: tickText, stepSize: stepText, minNotional: notionalText)
            let precision = entry["baseAssetPrecision"] as? Int ?? -Int(parsed.quantityExponent)
            let exponent = min(Int(parsed.quantityExponent), -precision)
            guard exponent >= -18 else { throw CatalogError.malformed("\(symbol) baseAssetPrecision \(precision)") }
            guard exponent < Int(parsed.quantityExponent) else { return parsed }
            var step = parsed.stepSize.mantissa
            for _ in 0..<(Int(parsed.quantityExponent) - exponent) {
                let (product, overflow) = step.multipliedReportingOverflow(by: 10)
                guard !overflow else { throw CatalogError.malformed("\(symbol) stepSize overflows at 10^\(exponent)") }
                step = product
            }
            return try Instrument(
                symbol: symbol, venue: venue, tickSize: parsed.tickSize,
                stepSize: Quantity(mantissa: step, exponent: Int8(exponent)), minNotional: parsed.minNotional)
        } catch let error as CatalogError {
            throw error
        } catch {
            throw .malformed("\(symbol): \(error)")
        }
    }
}

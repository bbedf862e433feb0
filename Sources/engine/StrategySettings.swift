import EngineModel
import Foundation
import Strategy

/// The strategies an engine runs and the limits they trade under: from `--strategy` flags or the
/// config file's `strategies`, `aggregation` and `risk`, which `engine reload` (SIGHUP) reads again.
///
/// ```json
/// "strategies": [
///   { "name": "mm-btc", "type": "market-maker", "symbol": "BTCUSDT", "order_size": "0.001",
///     "parameters": { "spread_bps": 8, "skew_bps": 4, "max_position": "0.01", "min_requote_ms": 100 } },
///   { "name": "basis", "type": "basis-arbitrage", "symbols": ["binance:BTCUSDT", "binance-futures:BTCUSDT"],
///     "order_size": "0.001", "enabled": false }
/// ],
/// "aggregation": "independent",
/// "risk": { "max_position": { "BTCUSDT": "0.05" }, "default_max_position": "1", "max_total_exposure": "50000",
///           "max_orders_per_second": 20, "daily_loss_limit": "500", "max_drawdown": "1000", "max_leverage": 3 }
/// ```
/// Amounts of the quote asset are decimal strings. Unknown keys are errors.
struct StrategySettings: Equatable {
    var strategies: [StrategyConfig] = []
    var aggregation = "independent"
    var limits = RiskLimits()

    static let riskKeys: Set<String> = [
        "max_position", "default_max_position", "max_total_exposure", "max_orders_per_second", "daily_loss_limit",
        "max_drawdown", "max_leverage",
    ]

    /// The aggregation method the name gives.
    func method() throws -> AggregationMethod {
        do { return try AggregationMethod(name: aggregation) } catch { throw ConfigFileError("\(error)") }
    }

    /// Reads the strategy sections of a parsed config file (`where` names it in errors).
    static func parse(_ object: [String: Any], where place: String) throws -> StrategySettings {
        var settings = StrategySettings()
        if let list = object["strategies"] {
            guard let entries = list as? [[String: Any]] else {
                throw ConfigFileError("\(place): strategies must be a list of objects")
            }
            for (i, entry) in entries.enumerated() {
                let unknown = entry.keys.filter { !StrategyConfig.keys.contains($0) }.sorted()
                guard unknown.isEmpty else {
                    throw ConfigFileError(
                        "\(place): strategies[\(i)]: unknown setting \(unknown.joined(separator: ", ")); known: \(StrategyConfig.keys.sorted().joined(separator: ", "))")
                }
                do {
                    let data = try JSONSerialization.data(withJSONObject: entry)
                    settings.strategies.append(try JSONDecoder().decode(StrategyConfig.self, from: data))
                } catch let DecodingError.keyNotFound(key, _) {
                    throw ConfigFileError("\(place): strategies[\(i)] needs \(key.stringValue)")
                } catch let DecodingError.typeMismatch(type, context) {
                    let key = context.codingPath.map(\.stringValue).joined(separator: ".")
                    throw ConfigFileError("\(place): strategies[\(i)].\(key) should be \(type)")
                } catch {
                    throw ConfigFileError("\(place): strategies[\(i)]: \(error)")
                }
                let config = settings.strategies.last!
                guard StrategyRegistry.make(type: config.type, name: config.name) != nil else {
                    throw ConfigFileError(
                        "\(place): strategies[\(i)]: unknown type '\(config.type)' (known: \(StrategyRegistry.types.joined(separator: ", ")))")
                }
            }
            let names = settings.strategies.map(\.name)
            if let twice = names.first(where: { n in names.filter { $0 == n }.count > 1 }) {
                throw ConfigFileError("\(place): two strategies are named \(twice)")
            }
        }
        if let name = object["aggregation"] {
            guard let text = name as? String else { throw ConfigFileError("\(place): aggregation must be a string") }
            settings.aggregation = text
            _ = try settings.method()
        }
        if let risk = object["risk"] {
            guard let r = risk as? [String: Any] else { throw ConfigFileError("\(place): risk must be an object") }
            settings.limits = try limits(r, place: place)
        }
        return settings
    }

    private static func limits(_ r: [String: Any], place: String) throws -> RiskLimits {
        let unknown = r.keys.filter { !riskKeys.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw ConfigFileError(
                "\(place): unknown setting \(unknown.map { "risk." + $0 }.joined(separator: ", ")); known: \(riskKeys.sorted().map { "risk." + $0 }.joined(separator: ", "))")
        }
        func amount(_ key: String) throws -> Int64? {
            guard let value = r[key] else { return nil }
            let text = (value as? String) ?? (value as? NSNumber).map { "\($0)" } ?? ""
            guard let q = try? Quantity(parsing: text, exponent: RiskLimits.scale), q.mantissa > 0 else {
                throw ConfigFileError("\(place): risk.\(key) must be a positive decimal amount such as \"500\", not '\(value)'")
            }
            return q.mantissa
        }
        var limits = RiskLimits()
        if let positions = r["max_position"] {
            guard let map = positions as? [String: Any] else {
                throw ConfigFileError("\(place): risk.max_position must map symbols to quantities")
            }
            for (symbol, value) in map {
                guard let text = (value as? String) ?? (value as? NSNumber).map({ "\($0)" }) else {
                    throw ConfigFileError("\(place): risk.max_position.\(symbol) must be a quantity")
                }
                limits.maxPosition[symbol.uppercased()] = text
            }
        }
        if let value = r["default_max_position"] {
            guard let text = (value as? String) ?? (value as? NSNumber).map({ "\($0)" }) else {
                throw ConfigFileError("\(place): risk.default_max_position must be a quantity")
            }
            limits.defaultMaxPosition = text
        }
        limits.maxTotalExposure = try amount("max_total_exposure")
        limits.dailyLossLimit = try amount("daily_loss_limit")
        limits.maxDrawdown = try amount("max_drawdown")
        if let value = r["max_orders_per_second"] {
            guard let n = value as? Int, n > 0 else {
                throw ConfigFileError("\(place): risk.max_orders_per_second must be a positive integer")
            }
            limits.maxOrdersPerSecond = n
        }
        if let value = r["max_leverage"] {
            guard let n = (value as? NSNumber)?.doubleValue, n > 0 else {
                throw ConfigFileError("\(place): risk.max_leverage must be a positive number")
            }
            limits.maxLeverage = n
        }
        return limits
    }

    /// Re-reads the strategy sections of a config file (`engine reload`).
    static func load(path: String) throws -> StrategySettings {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigFileError("cannot read config file \(path)")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ConfigFileError("config file \(path) is not a JSON object")
        }
        return try parse(object, where: "config file \(path)")
    }

    /// Strategies from `--strategy TYPE[,TYPE]`: one per type and symbol, named by its type (and the
    /// symbol when there are several), with its default parameters and `orderSize`.
    static func fromFlags(_ types: String, symbols: [String], orderSize: String?) throws -> [StrategyConfig] {
        var configs: [StrategyConfig] = []
        for type in types.split(separator: ",").map(String.init) {
            guard StrategyRegistry.make(type: type, name: type) != nil else {
                throw fail("--strategy: unknown strategy '\(type)' (known: \(StrategyRegistry.types.joined(separator: ", ")))", code: 2)
            }
            if type.hasPrefix("basis") {
                throw fail("--strategy \(type) trades two instruments: configure it in --config (strategies, symbols [spot, perp])", code: 2)
            }
            for symbol in symbols {
                configs.append(
                    StrategyConfig(
                        name: symbols.count == 1 ? type : "\(type)-\(symbol)", type: type, symbols: [symbol],
                        orderSize: orderSize ?? ""))
            }
        }
        return configs
    }
}

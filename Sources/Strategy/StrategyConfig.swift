import EngineModel

/// A strategy parameter as written in the config: a number, a string or a boolean.
public enum StrategyParameter: Equatable, Sendable, Decodable, CustomStringConvertible {
    case number(Double)
    case text(String)
    case flag(Bool)

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) {
            self = .flag(b)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else if let s = try? c.decode(String.self) {
            self = .text(s)
        } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "a parameter is a number, a string or a boolean")
        }
    }

    public var description: String {
        switch self {
        case .number(let d): d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .text(let s): s
        case .flag(let b): String(b)
        }
    }
}

/// Why a strategy's configuration was refused: one clear line naming the strategy and the key.
public struct StrategyConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One strategy's configuration (seed 002 StrategyConfig): name, type, enabled, symbols,
/// order_size, parameters, and its weight in weighted aggregation.
public struct StrategyConfig: Equatable, Sendable, Decodable {
    public var name: String
    public var type: String
    public var enabled: Bool
    /// The symbols it trades (one for most strategies; basis arbitrage names spot then perp).
    public var symbols: [String]
    /// The full order size in the base asset, a decimal ("0.001"); strength scales it.
    public var orderSize: String
    public var parameters: [String: StrategyParameter]
    /// Its weight in `weighted` aggregation (default 1).
    public var weight: Double

    public init(
        name: String, type: String, enabled: Bool = true, symbols: [String], orderSize: String,
        parameters: [String: StrategyParameter] = [:], weight: Double = 1
    ) {
        self.name = name
        self.type = type
        self.enabled = enabled
        self.symbols = symbols.map(Self.normalized)
        self.orderSize = orderSize
        self.parameters = parameters
        self.weight = weight
    }

    /// `venue:symbol` keeps its venue lowercase and its symbol uppercase.
    static func normalized(_ symbol: String) -> String {
        guard let colon = symbol.lastIndex(of: ":") else { return symbol.uppercased() }
        return symbol[..<colon].lowercased() + ":" + symbol[symbol.index(after: colon)...].uppercased()
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, type, enabled, symbol, symbols, orderSize = "order_size", parameters, weight
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let name = try c.decode(String.self, forKey: .name)
        let type = try c.decodeIfPresent(String.self, forKey: .type) ?? name
        var symbols = try c.decodeIfPresent([String].self, forKey: .symbols) ?? []
        if let one = try c.decodeIfPresent(String.self, forKey: .symbol) { symbols.insert(one, at: 0) }
        self.init(
            name: name, type: type, enabled: try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? true,
            symbols: symbols, orderSize: try c.decodeIfPresent(String.self, forKey: .orderSize) ?? "",
            parameters: try c.decodeIfPresent([String: StrategyParameter].self, forKey: .parameters) ?? [:],
            weight: try c.decodeIfPresent(Double.self, forKey: .weight) ?? 1)
    }

    /// The config keys, for refusing misspelt ones.
    public static let keys: Set<String> = Set(CodingKeys.allCases.map(\.rawValue))

    /// A numeric parameter, or `fallback` when absent; a non-number or a value outside `range` throws.
    public func number(_ key: String, _ fallback: Double, in range: ClosedRange<Double> = -.infinity...(.infinity))
        throws(StrategyConfigError) -> Double
    {
        guard let value = parameters[key] else { return fallback }
        let d: Double
        switch value {
        case .number(let n): d = n
        case .text(let s):
            guard let n = Double(s) else { throw StrategyConfigError("strategy \(name): \(key) must be a number, not '\(s)'") }
            d = n
        case .flag: throw StrategyConfigError("strategy \(name): \(key) must be a number, not a boolean")
        }
        guard d.isFinite, range.contains(d) else {
            throw StrategyConfigError("strategy \(name): \(key) = \(d) is outside \(range.lowerBound)…\(range.upperBound)")
        }
        return d
    }

    /// A text parameter, or `fallback`; when `allowed` is given the value must be one of them.
    public func text(_ key: String, _ fallback: String, allowed: [String]? = nil) throws(StrategyConfigError) -> String {
        guard let value = parameters[key] else { return fallback }
        let s = value.description
        if let allowed, !allowed.contains(s) {
            throw StrategyConfigError("strategy \(name): \(key) must be one of \(allowed.joined(separator: ", ")), not '\(s)'")
        }
        return s
    }

    /// A quantity parameter (a decimal in the base asset) at an instrument's quantity exponent.
    public func quantity(_ key: String, _ fallback: String, instrument: Instrument) throws(StrategyConfigError) -> Int64 {
        let text = parameters[key]?.description ?? fallback
        return try Self.mantissa(text, of: instrument, what: "strategy \(name): \(key)")
    }

    /// The order size at an instrument's quantity exponent (> 0, a multiple of the step).
    public func orderQuantity(_ instrument: Instrument) throws(StrategyConfigError) -> Int64 {
        guard !orderSize.isEmpty else { throw StrategyConfigError("strategy \(name): order_size is missing") }
        let q = try Self.mantissa(orderSize, of: instrument, what: "strategy \(name): order_size")
        guard q > 0 else { throw StrategyConfigError("strategy \(name): order_size must be above zero") }
        return q
    }

    /// Resolves the configured symbols against the engine's instruments (every one must exist).
    public func resolveSymbols(_ context: StrategyContext, count: ClosedRange<Int> = 1...1) throws(StrategyConfigError) -> [Int] {
        guard count.contains(symbols.count) else {
            throw StrategyConfigError(
                "strategy \(name) (\(type)) takes \(count.lowerBound == count.upperBound ? "\(count.lowerBound)" : "\(count.lowerBound)-\(count.upperBound)") symbol(s), not \(symbols.count)")
        }
        var indices: [Int] = []
        for symbol in symbols {
            guard let i = context.index(of: symbol) else {
                throw StrategyConfigError(
                    "strategy \(name): symbol \(symbol) is not one of the engine's instruments (\(context.instruments.map(\.symbol).joined(separator: ", ")))")
            }
            indices.append(i)
        }
        return indices
    }

    private static func mantissa(_ text: String, of instrument: Instrument, what: String) throws(StrategyConfigError) -> Int64 {
        do {
            let q = try Quantity(parsing: text, exponent: instrument.quantityExponent)
            guard q.mantissa >= 0 else { throw StrategyConfigError("\(what) must not be negative") }
            return q.mantissa
        } catch let e as StrategyConfigError {
            throw e
        } catch {
            throw StrategyConfigError("\(what) '\(text)' is not a quantity of \(instrument.symbol): \(error)")
        }
    }
}

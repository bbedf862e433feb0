import EngineModel

/// An exact amount of some asset (a balance, a fee, a PnL figure, a notional) in units of 10⁻⁸:
/// the precision Binance reports every balance in. One scale for every asset keeps sums across
/// fills, fees and funding exact without carrying exponents around; Int64 at 10⁻⁸ holds ±92 billion.
///
/// Arithmetic traps on overflow (programmer error); conversions from finer scales round half away
/// from zero and say so in their names.
public struct Amount: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The scale of every amount: 10⁻⁸.
    public static let exponent: Int8 = -8
    /// Nothing.
    public static let zero = Amount(e8: 0)

    /// The value × 10⁸.
    public var e8: Int64

    /// An amount from its value × 10⁸.
    public init(e8: Int64) { self.e8 = e8 }

    /// `mantissa × 10^exponent`, exact when `exponent ≥ −8`, rounded half away from zero below.
    /// Traps when the value does not fit.
    public init(mantissa: Int64, exponent: Int8) {
        self.e8 = Amount.rescale(Int128(mantissa), from: Int(exponent))
    }

    /// A price as an amount of its quote asset per unit.
    public init(_ price: Price) { self.init(mantissa: price.mantissa, exponent: price.exponent) }

    /// A quantity as an amount of its base asset.
    public init(_ quantity: Quantity) { self.init(mantissa: quantity.mantissa, exponent: quantity.exponent) }

    /// `price × quantity` in the quote asset, rounded half away from zero to 10⁻⁸.
    public static func notional(_ price: Price, _ quantity: Quantity) -> Amount {
        let product = Int128(price.mantissa) * Int128(quantity.mantissa)
        return Amount(e8: rescale(product, from: Int(price.exponent) + Int(quantity.exponent)))
    }

    /// `self × quantity` (a per-unit amount times a quantity), rounded half away from zero.
    public func times(_ quantity: Quantity) -> Amount {
        Amount(e8: Amount.rescale(Int128(e8) * Int128(quantity.mantissa), from: -8 + Int(quantity.exponent)))
    }

    /// `self × numerator / denominator`, rounded half away from zero (pro-rata shares, ratios).
    ///
    /// - Precondition: `denominator != 0`.
    public func scaled(by numerator: Int64, over denominator: Int64) -> Amount {
        precondition(denominator != 0, "Amount.scaled by a zero denominator")
        return Amount(e8: Amount.narrow(Amount.divideRounded(Int128(e8) * Int128(numerator), by: Int128(denominator))))
    }

    /// The value as a Double, for display and statistics only.
    public var doubleValue: Double { Double(e8) / 100_000_000 }

    /// The same value at `exponent` (≥ −8 rounds half away from zero), e.g. to compare with a
    /// venue's mantissa; traps on overflow.
    public func mantissa(at exponent: Int8) -> Int64 {
        Amount.narrow(Amount.rescaleWide(Int128(e8), from: -8, to: Int(exponent)))
    }

    /// A plain decimal with the trailing zeros trimmed: "0.0015", "-12", "64000.5".
    public var description: String {
        let negative = e8 < 0
        let magnitude = e8.magnitude
        let whole = magnitude / 100_000_000
        var fraction = String(magnitude % 100_000_000)
        fraction = String(repeating: "0", count: 8 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        let body = fraction.isEmpty ? "\(whole)" : "\(whole).\(fraction)"
        return negative ? "-" + body : body
    }

    /// Parses a plain decimal of at most 8 fraction digits ("12.5", "-0.00000001"); nil otherwise.
    public init?(parsing text: String) {
        guard let value = try? Price(parsing: text, exponent: -8) else { return nil }
        e8 = value.mantissa
    }

    public static func < (lhs: Amount, rhs: Amount) -> Bool { lhs.e8 < rhs.e8 }
    public static func + (lhs: Amount, rhs: Amount) -> Amount { Amount(e8: lhs.e8 + rhs.e8) }
    public static func - (lhs: Amount, rhs: Amount) -> Amount { Amount(e8: lhs.e8 - rhs.e8) }
    public static prefix func - (value: Amount) -> Amount { Amount(e8: -value.e8) }
    public static func += (lhs: inout Amount, rhs: Amount) { lhs.e8 += rhs.e8 }
    public static func -= (lhs: inout Amount, rhs: Amount) { lhs.e8 -= rhs.e8 }

    /// The magnitude.
    public var magnitude: Amount { Amount(e8: e8 < 0 ? -e8 : e8) }

    // Codable as the decimal string, so JSON never loses precision.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Amount(parsing: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an amount: \(text)"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    static func rescale(_ value: Int128, from exponent: Int) -> Int64 {
        narrow(rescaleWide(value, from: exponent, to: -8))
    }

    static func rescaleWide(_ value: Int128, from: Int, to: Int) -> Int128 {
        if from >= to {
            var v = value
            for _ in 0..<(from - to) { v *= 10 }
            return v
        }
        var divisor: Int128 = 1
        for _ in 0..<(to - from) { divisor *= 10 }
        return divideRounded(value, by: divisor)
    }

    static func divideRounded(_ value: Int128, by divisor: Int128) -> Int128 {
        let quotient = value / divisor
        let remainder = value % divisor
        if remainder.magnitude * 2 >= divisor.magnitude {
            return quotient + ((value < 0) != (divisor < 0) ? -1 : 1)
        }
        return quotient
    }

    static func narrow(_ value: Int128) -> Int64 {
        guard let narrow = Int64(exactly: value) else { preconditionFailure("amount \(value) overflows Int64") }
        return narrow
    }
}

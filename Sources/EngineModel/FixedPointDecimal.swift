/// What `Price` and `Quantity` share: an exact decimal `mantissa × 10^exponent` with canonical
/// formatting, exact comparison and hashing across exponents, and exact rescaling.
public protocol FixedPointDecimal: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The integer the value is made of: value = mantissa × 10^exponent.
    var mantissa: Int64 { get }
    /// The power of ten the mantissa is scaled by, in −18…18.
    var exponent: Int8 { get }
    /// What a value is called in error messages ("price", "quantity").
    static var valueName: String { get }
    /// A value from its raw parts (each type states its own preconditions).
    init(mantissa: Int64, exponent: Int8)
}

extension FixedPointDecimal {
    /// The canonical decimal text: exactly max(0, −exponent) fraction digits ("123.45",
    /// "-0.50", "0.00"; "100" for mantissa 1 at exponent 2).
    public var description: String { FixedPoint.format(mantissa: mantissa, exponent: exponent) }

    /// Whether the value is zero.
    public var isZero: Bool { mantissa == 0 }

    /// Exact decimal equality, across exponents: `1.0` at −1 equals `1.00` at −2.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        if lhs.exponent == rhs.exponent { return lhs.mantissa == rhs.mantissa }
        return FixedPoint.compare(lhs.mantissa, lhs.exponent, rhs.mantissa, rhs.exponent) == 0
    }

    /// Exact decimal ordering, across exponents.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        if lhs.exponent == rhs.exponent { return lhs.mantissa < rhs.mantissa }
        return FixedPoint.compare(lhs.mantissa, lhs.exponent, rhs.mantissa, rhs.exponent) < 0
    }

    /// Hashes the exact value, so values that compare equal at different exponents hash alike.
    public func hash(into hasher: inout Hasher) {
        let normal = FixedPoint.normalized(mantissa, exponent)
        hasher.combine(normal.mantissa)
        hasher.combine(normal.exponent)
    }

    /// The same value at another exponent.
    ///
    /// Throws `.tooPrecise` if non-zero digits would be lost, `.overflow` if the mantissa would
    /// not fit, `.exponentOutOfRange` outside −18…18.
    public func rescaled(to newExponent: Int8) throws(DecimalParseError) -> Self {
        try FixedPoint.checkExponent(Int(newExponent), subject: Self.valueName)
        switch FixedPoint.rescale(mantissa, from: exponent, to: newExponent) {
        case .exact(let m):
            return Self(mantissa: m, exponent: newExponent)
        case .inexact:
            let decimals = FixedPoint.decimals(mantissa, exponent)
            throw .tooPrecise(
                input: description, decimals: decimals, allowed: -Int(newExponent), subject: Self.valueName)
        case .overflow:
            throw .overflow(input: description, exponent: newExponent, subject: Self.valueName)
        }
    }

    /// Whether the value is an exact integer multiple of `unit` (any exponents; signs ignored).
    /// Zero is a multiple of everything; only zero is a multiple of zero.
    public func isMultiple(of unit: Self) -> Bool {
        FixedPoint.isMultiple(mantissa, exponent, of: unit.mantissa, unit.exponent)
    }
}

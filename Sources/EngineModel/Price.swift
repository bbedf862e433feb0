/// An exact, signed fixed-point decimal: `mantissa × 10^exponent`, the way the shared-memory ABI
/// stores prices (and notionals, which are amounts of the quote currency).
///
/// The exponent is in −18…18. Parsing goes straight from decimal text to the mantissa with
/// integer arithmetic: a string with more precision than the exponent allows is an error,
/// never rounded. Equality, ordering and hashing compare exact decimal values, so `1.0` at
/// exponent −1 equals `1.00` at exponent −2. `+` and `-` need equal exponents and trap on
/// overflow (programmer errors); `adding(_:)` and `subtracting(_:)` throw instead.
public struct Price: FixedPointDecimal {
    /// "price", for error messages.
    public static let valueName = "price"

    /// The integer the value is made of: value = mantissa × 10^exponent.
    public let mantissa: Int64

    /// The power of ten the mantissa is scaled by, in −18…18 (−2 for cents).
    public let exponent: Int8

    /// A price from its raw parts, as stored in the shared-memory ABI.
    ///
    /// - Precondition: `exponent` is in −18…18.
    @inlinable
    public init(mantissa: Int64, exponent: Int8) {
        precondition(exponent >= -18 && exponent <= 18, "price exponent \(exponent) is outside -18...18")
        self.mantissa = mantissa
        self.exponent = exponent
    }

    /// Parses a plain decimal ("123.45", "-1.5", "0.01000000", "5") to a mantissa at `exponent`.
    ///
    /// Trailing zeros beyond the exponent are accepted; any other digit there throws
    /// `.tooPrecise`. Rejects exponent notation, whitespace, "+", misplaced "-", more than one
    /// ".", and values whose mantissa would not fit an `Int64` (`.overflow`).
    public init(parsing text: String, exponent: Int8) throws(DecimalParseError) {
        try self.init(parsing: text, exponent: exponent, subject: "price")
    }

    /// Parses `text` naming `subject` in errors ("BTCUSDT price").
    init(parsing text: String, exponent: Int8, subject: String) throws(DecimalParseError) {
        mantissa = try DecimalParser.mantissa(text, exponent: exponent, allowNegative: true, subject: subject)
        self.exponent = exponent
    }

    /// Parses a decimal known to be valid, for constants and tests; traps with the parse error's
    /// message otherwise.
    public init(_ literal: String, exponent: Int8) {
        do {
            self = try Price(parsing: literal, exponent: exponent)
        } catch {
            preconditionFailure(error.description)
        }
    }

    /// The sum of two prices at the same exponent; traps on overflow or differing exponents.
    public static func + (lhs: Price, rhs: Price) -> Price {
        precondition(lhs.exponent == rhs.exponent, "adding prices at exponents \(lhs.exponent) and \(rhs.exponent)")
        return Price(mantissa: lhs.mantissa + rhs.mantissa, exponent: lhs.exponent)
    }

    /// The difference of two prices at the same exponent; traps on overflow or differing exponents.
    public static func - (lhs: Price, rhs: Price) -> Price {
        precondition(
            lhs.exponent == rhs.exponent, "subtracting prices at exponents \(lhs.exponent) and \(rhs.exponent)")
        return Price(mantissa: lhs.mantissa - rhs.mantissa, exponent: lhs.exponent)
    }

    /// The sum, or `.overflow`.
    ///
    /// - Precondition: both prices have the same exponent.
    public func adding(_ other: Price) throws(DecimalParseError) -> Price {
        precondition(exponent == other.exponent, "adding prices at exponents \(exponent) and \(other.exponent)")
        let (sum, overflow) = mantissa.addingReportingOverflow(other.mantissa)
        if overflow { throw .overflow(input: "\(self) + \(other)", exponent: exponent, subject: "price") }
        return Price(mantissa: sum, exponent: exponent)
    }

    /// The difference, or `.overflow`.
    ///
    /// - Precondition: both prices have the same exponent.
    public func subtracting(_ other: Price) throws(DecimalParseError) -> Price {
        precondition(exponent == other.exponent, "subtracting prices at exponents \(exponent) and \(other.exponent)")
        let (difference, overflow) = mantissa.subtractingReportingOverflow(other.mantissa)
        if overflow { throw .overflow(input: "\(self) - \(other)", exponent: exponent, subject: "price") }
        return Price(mantissa: difference, exponent: exponent)
    }

    /// `self × quantity`, exactly, at exponent `self.exponent + quantity.exponent`.
    ///
    /// Throws `.overflow` when the product does not fit an `Int64` mantissa, and
    /// `.exponentOutOfRange` when the summed exponent leaves −18…18.
    public func notional(_ quantity: Quantity) throws(DecimalParseError) -> Price {
        let sum = Int(exponent) + Int(quantity.exponent)
        try FixedPoint.checkExponent(sum, subject: "notional")
        let (product, overflow) = mantissa.multipliedReportingOverflow(by: quantity.mantissa)
        if overflow { throw .overflow(input: "\(self) × \(quantity)", exponent: Int8(sum), subject: "notional") }
        return Price(mantissa: product, exponent: Int8(sum))
    }
}

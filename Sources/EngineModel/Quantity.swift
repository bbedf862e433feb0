/// An exact, non-negative fixed-point decimal amount of the base asset: `mantissa × 10^exponent`,
/// the way the shared-memory ABI stores quantities.
///
/// The exponent is in −18…18 and the mantissa is never negative. Parsing is exact (see
/// `Price`): extra precision is an error, never rounded, and a leading "-" throws `.negative`.
/// Equality, ordering and hashing compare exact decimal values across exponents. `+` and `-`
/// need equal exponents and trap on overflow or a negative result; `adding(_:)` and
/// `subtracting(_:)` throw instead.
public struct Quantity: FixedPointDecimal {
    /// "quantity", for error messages.
    public static let valueName = "quantity"

    /// The integer the value is made of (≥ 0): value = mantissa × 10^exponent.
    public let mantissa: Int64

    /// The power of ten the mantissa is scaled by, in −18…18 (−5 for BTC on Binance spot).
    public let exponent: Int8

    /// A quantity from its raw parts, as stored in the shared-memory ABI.
    ///
    /// - Precondition: `mantissa` ≥ 0 and `exponent` is in −18…18.
    @inlinable
    public init(mantissa: Int64, exponent: Int8) {
        precondition(mantissa >= 0, "quantity mantissa \(mantissa) is negative")
        precondition(exponent >= -18 && exponent <= 18, "quantity exponent \(exponent) is outside -18...18")
        self.mantissa = mantissa
        self.exponent = exponent
    }

    /// Parses a plain non-negative decimal ("0.00001000", "2", "1.5") to a mantissa at
    /// `exponent`.
    ///
    /// Trailing zeros beyond the exponent are accepted; any other digit there throws
    /// `.tooPrecise`. A leading "-" throws `.negative`; exponent notation, whitespace, "+",
    /// more than one "." and mantissas beyond `Int64.max` (`.overflow`) are rejected too.
    public init(parsing text: String, exponent: Int8) throws(DecimalParseError) {
        try self.init(parsing: text, exponent: exponent, subject: "quantity")
    }

    /// Parses `text` naming `subject` in errors ("BTCUSDT quantity").
    init(parsing text: String, exponent: Int8, subject: String) throws(DecimalParseError) {
        mantissa = try DecimalParser.mantissa(text, exponent: exponent, allowNegative: false, subject: subject)
        self.exponent = exponent
    }

    /// Parses a decimal known to be valid, for constants and tests; traps with the parse error's
    /// message otherwise.
    public init(_ literal: String, exponent: Int8) {
        do {
            self = try Quantity(parsing: literal, exponent: exponent)
        } catch {
            preconditionFailure(error.description)
        }
    }

    /// The sum of two quantities at the same exponent; traps on overflow or differing exponents.
    public static func + (lhs: Quantity, rhs: Quantity) -> Quantity {
        precondition(lhs.exponent == rhs.exponent, "adding quantities at exponents \(lhs.exponent) and \(rhs.exponent)")
        return Quantity(mantissa: lhs.mantissa + rhs.mantissa, exponent: lhs.exponent)
    }

    /// The difference of two quantities at the same exponent; traps on a negative result or
    /// differing exponents.
    public static func - (lhs: Quantity, rhs: Quantity) -> Quantity {
        precondition(
            lhs.exponent == rhs.exponent, "subtracting quantities at exponents \(lhs.exponent) and \(rhs.exponent)")
        return Quantity(mantissa: lhs.mantissa - rhs.mantissa, exponent: lhs.exponent)
    }

    /// The sum, or `.overflow`.
    ///
    /// - Precondition: both quantities have the same exponent.
    public func adding(_ other: Quantity) throws(DecimalParseError) -> Quantity {
        precondition(exponent == other.exponent, "adding quantities at exponents \(exponent) and \(other.exponent)")
        let (sum, overflow) = mantissa.addingReportingOverflow(other.mantissa)
        if overflow { throw .overflow(input: "\(self) + \(other)", exponent: exponent, subject: "quantity") }
        return Quantity(mantissa: sum, exponent: exponent)
    }

    /// The difference, or `.negative` when `other` is larger. (Two non-negative mantissas
    /// cannot overflow when subtracted.)
    ///
    /// - Precondition: both quantities have the same exponent.
    public func subtracting(_ other: Quantity) throws(DecimalParseError) -> Quantity {
        precondition(
            exponent == other.exponent, "subtracting quantities at exponents \(exponent) and \(other.exponent)")
        guard other.mantissa <= mantissa else { throw .negative(input: "\(self) - \(other)", subject: "quantity") }
        return Quantity(mantissa: mantissa - other.mantissa, exponent: exponent)
    }
}

/// Why a decimal string, or an exact operation on fixed-point values, failed.
///
/// Every case carries the input and a `subject` naming what was being parsed ("price",
/// "quantity", "BTCUSDT price", "BTCUSDT tickSize"), so `description` is a complete one-line
/// message such as `"0.001" has 3 decimals; BTCUSDT prices allow 2`. Offsets count characters
/// from 0. Nothing is ever rounded: a value that cannot be represented exactly is an error.
public enum DecimalParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The input is the empty string.
    case empty(subject: String)

    /// The input has a sign or a "." but no digit ("." , "-", "-.").
    case noDigits(input: String, subject: String)

    /// The input contains whitespace (leading, trailing or embedded) at `offset`.
    case whitespace(input: String, offset: Int, subject: String)

    /// The input contains a character that is not a digit, "." or a leading "-".
    case invalidCharacter(input: String, character: Character, offset: Int, subject: String)

    /// The input uses exponent notation ("1e-3"); only plain decimals are accepted.
    case exponentNotation(input: String, subject: String)

    /// A "+" anywhere, or a "-" that is not the first character.
    case misplacedSign(input: String, offset: Int, subject: String)

    /// The input has more than one ".".
    case multipleDecimalPoints(input: String, subject: String)

    /// The input has non-zero digits below the exponent: it needs `decimals` decimals where
    /// `allowed` are available (both are negative exponents' opposites, so a positive exponent
    /// gives a negative `allowed`). Trailing zeros never count.
    case tooPrecise(input: String, decimals: Int, allowed: Int, subject: String)

    /// The value does not fit an `Int64` mantissa at `exponent`.
    case overflow(input: String, exponent: Int8, subject: String)

    /// A negative value where only values ≥ 0 are allowed (quantities).
    case negative(input: String, subject: String)

    /// A value that must be > 0 (tick size, step size) is zero or negative.
    case notPositive(input: String, subject: String)

    /// The exponent is outside −18…18.
    case exponentOutOfRange(exponent: Int, subject: String)

    /// What was being parsed, e.g. "BTCUSDT price".
    public var subject: String {
        switch self {
        case .empty(let subject), .noDigits(_, let subject), .whitespace(_, _, let subject),
            .invalidCharacter(_, _, _, let subject), .exponentNotation(_, let subject),
            .misplacedSign(_, _, let subject), .multipleDecimalPoints(_, let subject),
            .tooPrecise(_, _, _, let subject), .overflow(_, _, let subject), .negative(_, let subject),
            .notPositive(_, let subject), .exponentOutOfRange(_, let subject):
            return subject
        }
    }

    /// A one-line human message naming the input, the subject and the rule it broke.
    public var description: String {
        let subjects = Self.plural(subject)
        switch self {
        case .empty:
            return "empty string is not a valid \(subject)"
        case .noDigits(let input, _):
            return "\"\(input)\" is not a valid \(subject): it has no digits"
        case .whitespace(let input, let offset, _):
            return "\"\(input)\" is not a valid \(subject): whitespace at offset \(offset) (trim the input first)"
        case .invalidCharacter(let input, let character, let offset, _):
            return "\"\(input)\" is not a valid \(subject): unexpected \"\(character)\" at offset \(offset)"
        case .exponentNotation(let input, _):
            return "\"\(input)\" is not a valid \(subject): exponent notation is not accepted, write the plain decimal"
        case .misplacedSign(let input, let offset, _):
            return "\"\(input)\" is not a valid \(subject): misplaced sign at offset \(offset) "
                + "(only a single leading \"-\" is accepted)"
        case .multipleDecimalPoints(let input, _):
            return "\"\(input)\" is not a valid \(subject): more than one \".\""
        case .tooPrecise(let input, let decimals, let allowed, _):
            if allowed >= 0 {
                return "\"\(input)\" has \(decimals) decimal\(decimals == 1 ? "" : "s"); \(subjects) allow \(allowed)"
            }
            let unit = "1" + String(repeating: "0", count: -allowed)
            return "\"\(input)\" is not a multiple of \(unit); \(subjects) must be"
        case .overflow(let input, let exponent, _):
            let largest = FixedPoint.format(mantissa: .max, exponent: exponent)
            return "\"\(input)\" overflows the Int64 mantissa of \(subjects) at exponent \(exponent) "
                + "(largest: \(largest))"
        case .negative(let input, _):
            return "\"\(input)\": \(subjects) cannot be negative"
        case .notPositive(let input, _):
            return "\"\(input)\": \(subjects) must be greater than zero"
        case .exponentOutOfRange(let exponent, _):
            return "exponent \(exponent) is out of range for \(subjects) "
                + "(\(FixedPoint.minExponent)...\(FixedPoint.maxExponent))"
        }
    }

    /// The plural of a subject's last word: "BTCUSDT price" → "BTCUSDT prices", "quantity" →
    /// "quantities".
    static func plural(_ subject: String) -> String {
        if subject.hasSuffix("y") { return subject.dropLast() + "ies" }
        return subject + "s"
    }
}

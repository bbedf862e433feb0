import EngineModel
import Testing

/// Parsing decimal strings to prices: canonical round trips, trailing zeros, and every error.
@Suite("Price parsing")
struct PriceParsingTests {
    /// Input, exponent, expected mantissa and canonical text.
    static let valid: [(String, Int8, Int64, String)] = [
        ("123.45", -2, 12_345, "123.45"),
        ("0.01000000", -2, 1, "0.01"),
        ("0.01000000", -8, 1_000_000, "0.01000000"),
        ("5", -2, 500, "5.00"),
        ("5", 0, 5, "5"),
        ("-1.5", -2, -150, "-1.50"),
        ("-0.5", -2, -50, "-0.50"),
        ("1.230000", -2, 123, "1.23"),
        ("0", -2, 0, "0.00"),
        ("-0", -2, 0, "0.00"),
        ("0.00", 0, 0, "0"),
        ("000123.4500", -2, 12_345, "123.45"),
        (".5", -1, 5, "0.5"),
        ("5.", 0, 5, "5"),
        ("-.25", -2, -25, "-0.25"),
        ("100", 2, 1, "100"),
        ("1200", 2, 12, "1200"),
        ("1200.000", 2, 12, "1200"),
        ("0", 2, 0, "0"),
        ("0.000000000000000001", -18, 1, "0.000000000000000001"),
        ("65000.00", -2, 6_500_000, "65000.00"),
    ]

    @Test("parses to the exact mantissa and prints canonically", arguments: valid)
    func parsesExactly(input: String, exponent: Int8, mantissa: Int64, canonical: String) throws {
        let price = try Price(parsing: input, exponent: exponent)
        #expect(price.mantissa == mantissa)
        #expect(price.exponent == exponent)
        #expect(price.description == canonical)
        #expect(try Price(parsing: canonical, exponent: exponent) == price)
    }

    @Test("trailing zeros are not precision")
    func trailingZerosAccepted() throws {
        #expect(try Price(parsing: "1.230000", exponent: -2).mantissa == 123)
        #expect(try Price(parsing: "1.2300000000000000000000000000000000", exponent: -2).mantissa == 123)
        #expect(try Price(parsing: "0.10000000", exponent: -1).mantissa == 1)
    }

    @Test("more precision than the exponent allows is an error, never rounded")
    func tooPreciseRejected() {
        #expect(throws: DecimalParseError.tooPrecise(input: "1.234", decimals: 3, allowed: 2, subject: "price")) {
            try Price(parsing: "1.234", exponent: -2)
        }
        #expect(throws: DecimalParseError.tooPrecise(input: "1.2300001", decimals: 7, allowed: 2, subject: "price")) {
            try Price(parsing: "1.2300001", exponent: -2)
        }
        #expect(throws: DecimalParseError.tooPrecise(input: "0.5", decimals: 1, allowed: 0, subject: "price")) {
            try Price(parsing: "0.5", exponent: 0)
        }
        #expect(throws: DecimalParseError.tooPrecise(input: "150", decimals: -1, allowed: -2, subject: "price")) {
            try Price(parsing: "150", exponent: 2)
        }
    }

    /// Input and the error it must raise, at exponent −2.
    static let invalid: [(String, DecimalParseError)] = [
        ("", .empty(subject: "price")),
        (".", .noDigits(input: ".", subject: "price")),
        ("-", .noDigits(input: "-", subject: "price")),
        ("-.", .noDigits(input: "-.", subject: "price")),
        (" 1.5", .whitespace(input: " 1.5", offset: 0, subject: "price")),
        ("1.5 ", .whitespace(input: "1.5 ", offset: 3, subject: "price")),
        ("1 000", .whitespace(input: "1 000", offset: 1, subject: "price")),
        ("1.5\n", .whitespace(input: "1.5\n", offset: 3, subject: "price")),
        ("1\u{00A0}5", .whitespace(input: "1\u{00A0}5", offset: 1, subject: "price")),
        ("+1.5", .misplacedSign(input: "+1.5", offset: 0, subject: "price")),
        ("--1", .misplacedSign(input: "--1", offset: 1, subject: "price")),
        ("1-", .misplacedSign(input: "1-", offset: 1, subject: "price")),
        ("1.-5", .misplacedSign(input: "1.-5", offset: 2, subject: "price")),
        ("-+1", .misplacedSign(input: "-+1", offset: 1, subject: "price")),
        ("1.2.3", .multipleDecimalPoints(input: "1.2.3", subject: "price")),
        ("1..2", .multipleDecimalPoints(input: "1..2", subject: "price")),
        ("1e-3", .exponentNotation(input: "1e-3", subject: "price")),
        ("1.5E2", .exponentNotation(input: "1.5E2", subject: "price")),
        ("e5", .invalidCharacter(input: "e5", character: "e", offset: 0, subject: "price")),
        ("12a.5", .invalidCharacter(input: "12a.5", character: "a", offset: 2, subject: "price")),
        ("1,5", .invalidCharacter(input: "1,5", character: ",", offset: 1, subject: "price")),
        ("0x10", .invalidCharacter(input: "0x10", character: "x", offset: 1, subject: "price")),
        ("€5", .invalidCharacter(input: "€5", character: "€", offset: 0, subject: "price")),
        ("5½", .invalidCharacter(input: "5½", character: "½", offset: 1, subject: "price")),
        ("١٢", .invalidCharacter(input: "١٢", character: "١", offset: 0, subject: "price")),
        ("NaN", .invalidCharacter(input: "NaN", character: "N", offset: 0, subject: "price")),
        ("inf", .invalidCharacter(input: "inf", character: "i", offset: 0, subject: "price")),
        ("1.234", .tooPrecise(input: "1.234", decimals: 3, allowed: 2, subject: "price")),
        ("92233720368547758.08", .overflow(input: "92233720368547758.08", exponent: -2, subject: "price")),
    ]

    @Test("rejects malformed input with a precise error", arguments: invalid)
    func rejects(input: String, expected: DecimalParseError) {
        #expect(throws: expected) { try Price(parsing: input, exponent: -2) }
    }

    @Test("errors print one clear line")
    func messages() {
        let cases: [(DecimalParseError, String)] = [
            (.tooPrecise(input: "0.001", decimals: 3, allowed: 2, subject: "BTCUSDT price"),
             "\"0.001\" has 3 decimals; BTCUSDT prices allow 2"),
            (.tooPrecise(input: "0.5", decimals: 1, allowed: 0, subject: "price"),
             "\"0.5\" has 1 decimal; prices allow 0"),
            (.tooPrecise(input: "150", decimals: -1, allowed: -2, subject: "price"),
             "\"150\" is not a multiple of 100; prices must be"),
            (.negative(input: "-1", subject: "quantity"), "\"-1\": quantities cannot be negative"),
            (.empty(subject: "price"), "empty string is not a valid price"),
            (.exponentNotation(input: "1e-3", subject: "price"),
             "\"1e-3\" is not a valid price: exponent notation is not accepted, write the plain decimal"),
            (.whitespace(input: " 1", offset: 0, subject: "price"),
             "\" 1\" is not a valid price: whitespace at offset 0 (trim the input first)"),
            (.invalidCharacter(input: "1a", character: "a", offset: 1, subject: "price"),
             "\"1a\" is not a valid price: unexpected \"a\" at offset 1"),
            (.overflow(input: "1e30", exponent: -2, subject: "price"),
             "\"1e30\" overflows the Int64 mantissa of prices at exponent -2 (largest: 92233720368547758.07)"),
            (.exponentOutOfRange(exponent: 19, subject: "price"), "exponent 19 is out of range for prices (-18...18)"),
            (.notPositive(input: "0", subject: "ETHUSDT tickSize"),
             "\"0\": ETHUSDT tickSizes must be greater than zero"),
        ]
        for (error, message) in cases {
            #expect(error.description == message)
            #expect(!error.description.contains("\n"))
        }
    }

    @Test("the exponent must be within -18...18")
    func exponentRange() {
        #expect(throws: DecimalParseError.exponentOutOfRange(exponent: 19, subject: "price")) {
            try Price(parsing: "1", exponent: 19)
        }
        #expect(throws: DecimalParseError.exponentOutOfRange(exponent: -19, subject: "price")) {
            try Price(parsing: "1", exponent: -19)
        }
        #expect(throws: DecimalParseError.exponentOutOfRange(exponent: 19, subject: "price")) {
            try Price(mantissa: 1, exponent: 0).rescaled(to: 19)
        }
    }

    @Test("the trapping literal initializer parses like init(parsing:)")
    func literal() {
        #expect(Price("123.45", exponent: -2) == Price(mantissa: 12_345, exponent: -2))
        #expect(Price("-0.01", exponent: -4).mantissa == -100)
    }
}

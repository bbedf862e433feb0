import EngineModel
import Testing

/// Quantities parse like prices but are never negative.
@Suite("Quantity")
struct QuantityTests {
    /// Input, exponent, expected mantissa and canonical text.
    static let valid: [(String, Int8, Int64, String)] = [
        ("0.00001000", -5, 1, "0.00001"),
        ("0.00123", -5, 123, "0.00123"),
        ("1.5", -8, 150_000_000, "1.50000000"),
        ("2", 0, 2, "2"),
        ("0", -3, 0, "0.000"),
        ("1000", 3, 1, "1000"),
        ("12.000", -1, 120, "12.0"),
    ]

    @Test("parses exactly and round-trips", arguments: valid)
    func parses(input: String, exponent: Int8, mantissa: Int64, canonical: String) throws {
        let quantity = try Quantity(parsing: input, exponent: exponent)
        #expect(quantity.mantissa == mantissa)
        #expect(quantity.exponent == exponent)
        #expect(quantity.description == canonical)
        #expect(try Quantity(parsing: quantity.description, exponent: exponent) == quantity)
    }

    @Test("negative quantities are rejected", arguments: ["-1.5", "-0.00001", "-0", "-9223372036854775808"])
    func negativeRejected(input: String) {
        #expect(throws: DecimalParseError.negative(input: input, subject: "quantity")) {
            try Quantity(parsing: input, exponent: -5)
        }
    }

    @Test("syntax errors win over the sign")
    func syntaxFirst() {
        #expect(throws: DecimalParseError.multipleDecimalPoints(input: "-1.2.3", subject: "quantity")) {
            try Quantity(parsing: "-1.2.3", exponent: -5)
        }
        #expect(throws: DecimalParseError.misplacedSign(input: "1-", offset: 1, subject: "quantity")) {
            try Quantity(parsing: "1-", exponent: -5)
        }
        #expect(throws: DecimalParseError.misplacedSign(input: "+1", offset: 0, subject: "quantity")) {
            try Quantity(parsing: "+1", exponent: -5)
        }
        #expect(throws: DecimalParseError.noDigits(input: "-", subject: "quantity")) {
            try Quantity(parsing: "-", exponent: -5)
        }
    }

    @Test("too precise quantities are rejected, trailing zeros accepted")
    func precision() throws {
        #expect(throws: DecimalParseError.tooPrecise(input: "0.000015", decimals: 6, allowed: 5, subject: "quantity")) {
            try Quantity(parsing: "0.000015", exponent: -5)
        }
        #expect(try Quantity(parsing: "0.00001500", exponent: -6).mantissa == 15)
        #expect(try Quantity(parsing: "0.000010000000", exponent: -5).mantissa == 1)
    }

    @Test("compares and hashes exactly across exponents")
    func comparison() {
        let a = Quantity(mantissa: 150, exponent: -2)
        let b = Quantity(mantissa: 15, exponent: -1)
        let c = Quantity(mantissa: 151, exponent: -2)
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(b < c)
        #expect([c, a, Quantity(mantissa: 1, exponent: 0)].sorted() == [Quantity(mantissa: 1, exponent: 0), a, c])
        #expect(Quantity(mantissa: 0, exponent: -5).isZero)
        #expect(!a.isZero)
    }

    @Test("the trapping literal initializer parses like init(parsing:)")
    func literal() {
        #expect(Quantity("0.5", exponent: -3) == Quantity(mantissa: 500, exponent: -3))
    }
}

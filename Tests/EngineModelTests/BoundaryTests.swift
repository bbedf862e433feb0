import EngineModel
import Testing

/// Int64 mantissa limits: the extremes parse and print exactly, one past them overflows.
@Suite("Int64 boundaries")
struct BoundaryTests {
    /// Int64.max and Int64.min written at an exponent, and the text one unit past each.
    static let limits: [(Int8, String, String, String, String)] = [
        (0, "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809"),
        (-2, "92233720368547758.07", "-92233720368547758.08", "92233720368547758.08", "-92233720368547758.09"),
        (-8, "92233720368.54775807", "-92233720368.54775808", "92233720368.54775808", "-92233720368.54775809"),
        (
            -18, "9.223372036854775807", "-9.223372036854775808", "9.223372036854775808",
            "-9.223372036854775809"
        ),
        (
            -18, "9.2233720368547758070", "-9.2233720368547758080", "9.2233720368547758080",
            "-9.2233720368547758090"
        ),
        (
            3, "9223372036854775807000", "-9223372036854775808000", "9223372036854775808000",
            "-9223372036854775809000"
        ),
    ]

    @Test("Int64.max and Int64.min parse and print; one past overflows", arguments: limits)
    func extremes(exponent: Int8, maxText: String, minText: String, pastMax: String, pastMin: String) throws {
        let max = try Price(parsing: maxText, exponent: exponent)
        let min = try Price(parsing: minText, exponent: exponent)
        #expect(max.mantissa == .max)
        #expect(min.mantissa == .min)
        #expect(try Price(parsing: max.description, exponent: exponent) == max)
        #expect(try Price(parsing: min.description, exponent: exponent) == min)
        #expect(throws: DecimalParseError.overflow(input: pastMax, exponent: exponent, subject: "price")) {
            try Price(parsing: pastMax, exponent: exponent)
        }
        #expect(throws: DecimalParseError.overflow(input: pastMin, exponent: exponent, subject: "price")) {
            try Price(parsing: pastMin, exponent: exponent)
        }
    }

    @Test("Int64.min formats without negation overflow")
    func minFormats() {
        #expect(Price(mantissa: .min, exponent: 0).description == "-9223372036854775808")
        #expect(Price(mantissa: .min, exponent: -2).description == "-92233720368547758.08")
        #expect(Price(mantissa: .min, exponent: -18).description == "-9.223372036854775808")
        #expect(Price(mantissa: .min, exponent: 2).description == "-922337203685477580800")
        let eighteenZeros = String(repeating: "0", count: 18)
        #expect(Price(mantissa: .max, exponent: 18).description == "9223372036854775807" + eighteenZeros)
    }

    @Test("formatting pads, signs and scales canonically")
    func formatting() {
        #expect(Price(mantissa: 1, exponent: 2).description == "100")
        #expect(Price(mantissa: 0, exponent: 2).description == "0")
        #expect(Price(mantissa: 0, exponent: -3).description == "0.000")
        #expect(Price(mantissa: -50, exponent: -2).description == "-0.50")
        #expect(Price(mantissa: -5, exponent: -2).description == "-0.05")
        #expect(Price(mantissa: 1, exponent: -18).description == "0.000000000000000001")
        #expect(Price(mantissa: 12_345, exponent: -2).description == "123.45")
        #expect(Price(mantissa: -7, exponent: 0).description == "-7")
        #expect(Quantity(mantissa: 1_000, exponent: -5).description == "0.01000")
    }

    @Test("leading and trailing zeros never overflow; significant digits do")
    func longInputs() throws {
        let zeros = String(repeating: "0", count: 500)
        #expect(try Price(parsing: zeros + "1.5", exponent: -1).mantissa == 15)
        #expect(try Price(parsing: "1." + zeros, exponent: -18).mantissa == 1_000_000_000_000_000_000)
        let huge = "1" + zeros
        #expect(throws: DecimalParseError.overflow(input: huge, exponent: 0, subject: "price")) {
            try Price(parsing: huge, exponent: 0)
        }
        // A short input that overflows only once scaled to the exponent.
        #expect(throws: DecimalParseError.overflow(input: "10", exponent: -18, subject: "price")) {
            try Price(parsing: "10", exponent: -18)
        }
        #expect(try Price(parsing: "9", exponent: -18).mantissa == 9_000_000_000_000_000_000)
    }

    @Test("quantities reach Int64.max and stop there")
    func quantityLimits() throws {
        #expect(try Quantity(parsing: "92233720368.54775807", exponent: -8).mantissa == .max)
        #expect(throws: DecimalParseError.overflow(input: "92233720368.54775808", exponent: -8, subject: "quantity")) {
            try Quantity(parsing: "92233720368.54775808", exponent: -8)
        }
    }

    @Test("checked arithmetic reports overflow; operators add exactly")
    func arithmetic() throws {
        let a = Price(mantissa: 12_345, exponent: -2)
        let b = Price(mantissa: -45, exponent: -2)
        #expect((a + b).description == "123.00")
        #expect((a - b).description == "123.90")
        #expect(try a.adding(b) == Price(mantissa: 12_300, exponent: -2))
        #expect(try a.subtracting(b) == Price(mantissa: 12_390, exponent: -2))
        let max = Price(mantissa: .max, exponent: -2)
        let min = Price(mantissa: .min, exponent: -2)
        let cent = Price(mantissa: 1, exponent: -2)
        #expect(throws: DecimalParseError.overflow(input: "\(max) + 0.01", exponent: -2, subject: "price")) {
            try max.adding(cent)
        }
        #expect(throws: DecimalParseError.overflow(input: "\(min) - 0.01", exponent: -2, subject: "price")) {
            try min.subtracting(cent)
        }
        let q = Quantity(mantissa: 3, exponent: -1)
        let r = Quantity(mantissa: 5, exponent: -1)
        #expect((q + r).description == "0.8")
        #expect((r - q).description == "0.2")
        #expect(throws: DecimalParseError.negative(input: "0.3 - 0.5", subject: "quantity")) { try q.subtracting(r) }
        let most = Quantity(mantissa: .max, exponent: -1)
        #expect(throws: DecimalParseError.overflow(input: "\(most) + 0.5", exponent: -1, subject: "quantity")) {
            try most.adding(r)
        }
    }
}

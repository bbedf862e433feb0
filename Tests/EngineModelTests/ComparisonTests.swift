import EngineModel
import Testing

/// Exact comparison, hashing, rescaling, divisibility and notional across exponents.
@Suite("Comparison and rescaling")
struct ComparisonTests {
    /// Shorthand for a price.
    func p(_ mantissa: Int64, _ exponent: Int8) -> Price { Price(mantissa: mantissa, exponent: exponent) }

    @Test("equal values at different exponents are equal and hash alike")
    func crossExponentEquality() {
        #expect(p(10, -1) == p(100, -2))
        #expect(p(1, 2) == p(100, 0))
        #expect(p(0, -18) == p(0, 18))
        #expect(p(-5, -1) == p(-50_000, -5))
        #expect(p(1, -1) != p(1, -2))
        #expect(p(.max, 0) != p(.max, -1))
        #expect(Set([p(10, -1), p(100, -2), p(1, 0), p(1_000_000_000_000_000_000, -18)]).count == 1)
        #expect(Set([p(0, -2), p(0, 5)]).count == 1)
        #expect(Quantity(mantissa: 5, exponent: -1) == Quantity(mantissa: 50_000, exponent: -5))
        #expect(Set([Quantity(mantissa: 5, exponent: -1), Quantity(mantissa: 50, exponent: -2)]).count == 1)
    }

    /// Pairs in strictly increasing order.
    static let ascending: [(Price, Price)] = [
        (Price(mantissa: 1, exponent: -2), Price(mantissa: 1, exponent: -1)),
        (Price(mantissa: 999, exponent: -3), Price(mantissa: 1, exponent: 0)),
        (Price(mantissa: -1, exponent: 0), Price(mantissa: -999, exponent: -3)),
        (Price(mantissa: -1, exponent: 18), Price(mantissa: .min, exponent: -18)),
        (Price(mantissa: .max, exponent: -18), Price(mantissa: 1, exponent: 18)),
        (Price(mantissa: .min, exponent: 0), Price(mantissa: .min, exponent: -1)),
        (Price(mantissa: .max, exponent: -1), Price(mantissa: .max, exponent: 0)),
        (Price(mantissa: .min, exponent: 18), Price(mantissa: .min, exponent: 17)),
        (Price(mantissa: 0, exponent: 5), Price(mantissa: 1, exponent: -18)),
        (Price(mantissa: -1, exponent: -18), Price(mantissa: 0, exponent: -18)),
        (Price(mantissa: 922_337_203_685_477_580, exponent: 1), Price(mantissa: .max, exponent: 0)),
    ]

    @Test("orders exactly across exponents, extremes included", arguments: ascending)
    func ordering(low: Price, high: Price) {
        #expect(low < high)
        #expect(!(high < low))
        #expect(low != high)
        #expect(high > low)
        #expect(low <= high)
    }

    @Test("rescaling is exact or throws")
    func rescaling() throws {
        #expect(try p(12_345, -2).rescaled(to: -8) == p(12_345_000_000, -8))
        #expect(try p(12_345_000_000, -8).rescaled(to: -2).mantissa == 12_345)
        #expect(try p(1_200, 0).rescaled(to: 2) == p(12, 2))
        #expect(try p(0, -18).rescaled(to: 18).mantissa == 0)
        #expect(try p(.min, 0).rescaled(to: 0).mantissa == .min)
        #expect(throws: DecimalParseError.tooPrecise(input: "123.45", decimals: 2, allowed: 1, subject: "price")) {
            try p(12_345, -2).rescaled(to: -1)
        }
        #expect(throws: DecimalParseError.tooPrecise(input: "1250", decimals: -1, allowed: -2, subject: "price")) {
            try p(1_250, 0).rescaled(to: 2)
        }
        let tiny = DecimalParseError.tooPrecise(
            input: "0.000000000000000001", decimals: 18, allowed: -18, subject: "price")
        #expect(throws: tiny) { try p(1, -18).rescaled(to: 18) }
        #expect(throws: DecimalParseError.overflow(input: "92233720368547758.07", exponent: -3, subject: "price")) {
            try p(.max, -2).rescaled(to: -3)
        }
        let quintillion = "1" + String(repeating: "0", count: 18)
        #expect(throws: DecimalParseError.overflow(input: quintillion, exponent: -18, subject: "price")) {
            try p(1, 18).rescaled(to: -18)
        }
        #expect(throws: DecimalParseError.tooPrecise(input: "0.50", decimals: 1, allowed: 0, subject: "quantity")) {
            try Quantity(mantissa: 50, exponent: -2).rescaled(to: 0)
        }
        #expect(try Quantity(mantissa: 50, exponent: -2).rescaled(to: -1) == Quantity(mantissa: 5, exponent: -1))
    }

    @Test("multiples of a tick, at any exponents")
    func multiples() {
        let tick = p(5, -2)  // 0.05
        #expect(p(12_345, -2).isMultiple(of: tick))
        #expect(!p(12_343, -2).isMultiple(of: tick))
        #expect(p(-10, -2).isMultiple(of: tick))
        #expect(p(0, -2).isMultiple(of: tick))
        #expect(p(1, 0).isMultiple(of: tick))
        #expect(p(15, -1).isMultiple(of: tick))
        #expect(!p(1, -3).isMultiple(of: tick))
        #expect(p(12_345_000_000, -8).isMultiple(of: tick))
        #expect(!p(12_345_000_001, -8).isMultiple(of: tick))
        #expect(p(3, 18).isMultiple(of: p(7, -18)) == false)
        #expect(p(7, 18).isMultiple(of: p(7, -18)))
        #expect(p(.min, 0).isMultiple(of: p(2, 0)))
        #expect(p(.min, -18).isMultiple(of: p(1, -18)))
        #expect(!p(.max, -18).isMultiple(of: p(1, 18)))
        #expect(p(0, 0).isMultiple(of: p(0, 0)))
        #expect(!p(1, 0).isMultiple(of: p(0, 0)))
        #expect(Quantity(mantissa: 300, exponent: -5).isMultiple(of: Quantity(mantissa: 1, exponent: -3)))
        #expect(!Quantity(mantissa: 301, exponent: -5).isMultiple(of: Quantity(mantissa: 1, exponent: -3)))
    }

    @Test("notional is price × quantity exactly at the summed exponent")
    func notional() throws {
        let price = Price("65000.01", exponent: -2)
        let quantity = Quantity("0.00123", exponent: -5)
        let notional = try price.notional(quantity)
        #expect(notional.exponent == -7)
        #expect(notional.mantissa == 6_500_001 * 123)
        #expect(notional.description == "79.9500123")
        #expect(try Price("-1.5", exponent: -1).notional(Quantity("2", exponent: 0)).description == "-3.0")
        #expect(try Price("100", exponent: 2).notional(Quantity("0.5", exponent: -1)).description == "50")
    }

    @Test("notional overflow and exponent range throw")
    func notionalOverflow() throws {
        let price = Price(mantissa: 4_000_000_000, exponent: -2)
        let quantity = Quantity(mantissa: 4_000_000_000, exponent: -5)
        let expected = DecimalParseError.overflow(
            input: "40000000.00 × 40000.00000", exponent: -7, subject: "notional")
        #expect(throws: expected) { try price.notional(quantity) }
        let min = Price(mantissa: .min, exponent: 0)
        #expect(try min.notional(Quantity(mantissa: 1, exponent: 0)) == min)
        #expect(throws: DecimalParseError.overflow(input: "\(min) × 2", exponent: 0, subject: "notional")) {
            try min.notional(Quantity(mantissa: 2, exponent: 0))
        }
        #expect(throws: DecimalParseError.exponentOutOfRange(exponent: -20, subject: "notional")) {
            try Price(mantissa: 1, exponent: -10).notional(Quantity(mantissa: 1, exponent: -10))
        }
    }
}

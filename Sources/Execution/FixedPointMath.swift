import EngineModel

/// Exact helpers over `Price` and `Quantity` that the module needs and EngineModel does not
/// offer: sums across exponents, rounding division, moving a value to a known exponent.
/// Every helper returns nil rather than trapping when the result does not fit.
enum FixedPointMath {
    /// `value` at `exponent`, exactly, or nil when digits would be lost or it would overflow.
    static func aligned<T: FixedPointDecimal>(_ value: T, to exponent: Int8) -> T? {
        if value.exponent == exponent { return value }
        return try? value.rescaled(to: exponent)
    }

    /// `a + b` at the finer of the two exponents, or nil on overflow.
    static func sum(_ a: Price, _ b: Price) -> Price? {
        let exponent = min(a.exponent, b.exponent)
        guard let x = aligned(a, to: exponent), let y = aligned(b, to: exponent) else { return nil }
        let (total, overflow) = x.mantissa.addingReportingOverflow(y.mantissa)
        return overflow ? nil : Price(mantissa: total, exponent: exponent)
    }

    /// `numerator / denominator` rounded half to even (banker's rounding); nil for a zero
    /// denominator. Works on magnitudes, so it is exact for every Int64 pair except
    /// `Int64.min / -1`, which does not fit and gives nil.
    static func divideHalfEven(_ numerator: Int64, _ denominator: Int64) -> Int64? {
        guard denominator != 0 else { return nil }
        let n = numerator.magnitude
        let d = denominator.magnitude
        var q = n / d
        let r = n % d
        // Compare 2r with d without overflow: r ≥ d − r.
        if r > d - r || (r == d - r && q % 2 == 1) { q += 1 }
        let negative = (numerator < 0) != (denominator < 0)
        if negative {
            guard q <= Int64.min.magnitude else { return nil }
            return Int64(truncatingIfNeeded: 0 &- q)
        }
        return Int64(exactly: q)
    }

    /// `mantissa × numerator / denominator` rounded toward +∞ for positive values, or nil on
    /// overflow. Used for price bands: `mid × (10000 + bps) / 10000`.
    static func scaleUp(_ mantissa: Int64, by numerator: Int64, over denominator: Int64) -> Int64? {
        let (product, overflow) = mantissa.multipliedReportingOverflow(by: numerator)
        guard !overflow, denominator > 0 else { return nil }
        let (q, r) = product.quotientAndRemainder(dividingBy: denominator)
        return r > 0 ? q + 1 : q
    }

    /// `mantissa × numerator / denominator` rounded toward −∞ for positive values, or nil on
    /// overflow. Used for price bands: `mid × (10000 − bps) / 10000`.
    static func scaleDown(_ mantissa: Int64, by numerator: Int64, over denominator: Int64) -> Int64? {
        let (product, overflow) = mantissa.multipliedReportingOverflow(by: numerator)
        guard !overflow, denominator > 0 else { return nil }
        let (q, r) = product.quotientAndRemainder(dividingBy: denominator)
        return r < 0 ? q - 1 : q
    }
}

/// Exact arithmetic on non-negative fixed-point mantissas with 128-bit intermediates, for
/// notionals (price × quantity at the quote asset's exponent), commissions (amount × rate) and
/// affordable quantities (amount ÷ price).
///
/// Results are rounded in an explicit direction, and `nil` when they do not fit an `Int64`.
/// Nested roundings in one direction compose: ⌈⌈n / a⌉ / b⌉ = ⌈n / (a·b)⌉, likewise for floors,
/// so dividing step by step is exact.
public enum ScaledMath {
    /// The direction a result that is not an integer is rounded in.
    public enum Rounding: Sendable {
        /// Toward zero (floor, the operands being non-negative).
        case down
        /// Away from zero (ceiling).
        case up
    }

    /// `a × b × 10^shift`, rounded; nil when it overflows `Int64`.
    ///
    /// - Precondition: `a` ≥ 0 and `b` ≥ 0.
    public static func product(_ a: Int64, _ b: Int64, shift: Int, rounding: Rounding) -> Int64? {
        precondition(a >= 0 && b >= 0, "ScaledMath works on non-negative mantissas")
        let (high, low) = UInt64(a).multipliedFullWidth(by: UInt64(b))
        var wide = Wide(high: high, low: low)
        guard wide.scale(by: shift, rounding: rounding) else { return nil }
        return wide.int64
    }

    /// `n × 10^shift ÷ d`, rounded; nil when it overflows `Int64`.
    ///
    /// - Precondition: `n` ≥ 0 and `d` > 0.
    public static func quotient(_ n: Int64, shift: Int, dividedBy d: Int64, rounding: Rounding) -> Int64? {
        precondition(n >= 0 && d > 0, "ScaledMath works on non-negative mantissas and positive divisors")
        var wide = Wide(high: 0, low: UInt64(n))
        guard wide.scale(by: shift, rounding: rounding) else { return nil }
        wide.divide(by: UInt64(d), rounding: rounding)
        return wide.int64
    }

    /// `mantissa × 10^shift` for a shift ≥ 0 (moving a value to a finer exponent); nil on
    /// overflow.
    public static func widen(_ mantissa: Int64, by shift: Int) -> Int64? {
        product(mantissa, 1, shift: shift, rounding: .down)
    }
}

/// An unsigned 128-bit integer as two words, with just the operations `ScaledMath` needs.
struct Wide {
    /// The upper 64 bits.
    var high: UInt64
    /// The lower 64 bits.
    var low: UInt64

    /// The value as an `Int64`, or nil when it does not fit.
    var int64: Int64? {
        guard high == 0, low <= UInt64(Int64.max) else { return nil }
        return Int64(low)
    }

    /// Multiplies or divides by 10^|shift| (dividing when negative); false on overflow.
    mutating func scale(by shift: Int, rounding: ScaledMath.Rounding) -> Bool {
        var remaining = shift
        while remaining > 0 {
            let step = min(remaining, 19)
            guard multiply(by: pow10(step)) else { return false }
            remaining -= step
        }
        while remaining < 0 {
            let step = min(-remaining, 19)
            divide(by: pow10(step), rounding: rounding)
            remaining += step
        }
        return true
    }

    /// Multiplies in place; false when the product needs more than 128 bits.
    mutating func multiply(by factor: UInt64) -> Bool {
        let (carry, newLow) = low.multipliedFullWidth(by: factor)
        let (upperCarry, upper) = high.multipliedFullWidth(by: factor)
        let (newHigh, overflow) = upper.addingReportingOverflow(carry)
        guard upperCarry == 0, !overflow else { return false }
        high = newHigh
        low = newLow
        return true
    }

    /// Divides in place (long division by a 64-bit divisor), rounding as asked.
    mutating func divide(by divisor: UInt64, rounding: ScaledMath.Rounding) {
        let upperQuotient = high / divisor
        let (lowerQuotient, remainder) = divisor.dividingFullWidth((high: high % divisor, low: low))
        high = upperQuotient
        low = lowerQuotient
        if rounding == .up && remainder != 0 {
            let (sum, carry) = low.addingReportingOverflow(1)
            low = sum
            if carry { high &+= 1 }  // high < 2^64 - 1 here: the quotient shrank.
        }
    }

    /// 10^n for n in 0…19.
    private func pow10(_ n: Int) -> UInt64 {
        var result: UInt64 = 1
        for _ in 0..<n { result *= 10 }
        return result
    }
}

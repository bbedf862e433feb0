/// Integer arithmetic shared by `Price` and `Quantity`: a value is `mantissa × 10^exponent`.
///
/// Everything here is exact and integer-only; nothing ever goes through floating point. Wide
/// intermediate results use `multipliedFullWidth` (two 64-bit words) rather than `Int128`, so
/// the code builds on every deployment target the package supports.
enum FixedPoint {
    /// The smallest exponent a value may have.
    static let minExponent: Int8 = -18

    /// The largest exponent a value may have.
    static let maxExponent: Int8 = 18

    /// The exponents a value may have.
    static let exponentRange: ClosedRange<Int8> = minExponent...maxExponent

    /// 10^0 … 10^19: every power of ten an unsigned 64-bit integer holds.
    static let powersOfTen: [UInt64] = {
        var table: [UInt64] = [1]
        for _ in 1...19 { table.append(table[table.count - 1] * 10) }
        return table
    }()

    /// 10^n for n in 0…19.
    @inline(__always)
    static func pow10(_ n: Int) -> UInt64 { powersOfTen[n] }

    // MARK: - Formatting

    /// The canonical decimal text of `mantissa × 10^exponent`: exactly max(0, −exponent) fraction
    /// digits, a leading "-" for negative values, trailing zeros for positive exponents.
    static func format(mantissa: Int64, exponent: Int8) -> String {
        var magnitude = mantissa.magnitude  // Int64.min has a magnitude too: no negation.
        let negative = mantissa < 0
        var digitCount = 1
        var probe = magnitude / 10
        while probe > 0 {
            digitCount += 1
            probe /= 10
        }
        let scale = exponent < 0 ? Int(-exponent) : 0
        let zeros = exponent > 0 && magnitude != 0 ? Int(exponent) : 0
        let integerDigits = scale > 0 ? max(1, digitCount - scale) : digitCount
        let length = (negative ? 1 : 0) + integerDigits + (scale > 0 ? 1 + scale : 0) + zeros
        return String(unsafeUninitializedCapacity: length) { buffer in
            var position = length
            for _ in 0..<zeros {
                position -= 1
                buffer[position] = UInt8(ascii: "0")
            }
            if scale > 0 {
                for _ in 0..<scale {
                    position -= 1
                    buffer[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                    magnitude /= 10
                }
                position -= 1
                buffer[position] = UInt8(ascii: ".")
            }
            for _ in 0..<integerDigits {
                position -= 1
                buffer[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            }
            if negative {
                position -= 1
                buffer[position] = UInt8(ascii: "-")
            }
            return length
        }
    }

    // MARK: - Comparison

    /// Compares `a × 10^ea` with `b × 10^eb` exactly: −1, 0 or 1.
    static func compare(_ a: Int64, _ ea: Int8, _ b: Int64, _ eb: Int8) -> Int {
        if ea == eb { return a < b ? -1 : (a == b ? 0 : 1) }
        let signA = a.signum(), signB = b.signum()
        if signA != signB { return signA < signB ? -1 : 1 }
        if signA == 0 { return 0 }
        let byMagnitude = compareMagnitudes(a.magnitude, Int(ea), b.magnitude, Int(eb))
        return signA > 0 ? byMagnitude : -byMagnitude
    }

    /// Compares `x × 10^ex` with `y × 10^ey` for non-zero magnitudes: −1, 0 or 1.
    private static func compareMagnitudes(_ x: UInt64, _ ex: Int, _ y: UInt64, _ ey: Int) -> Int {
        if ex < ey { return -compareMagnitudes(y, ey, x, ex) }
        let shift = ex - ey
        // x ≥ 1, so x × 10^20 exceeds every UInt64 y.
        if shift > 19 { return 1 }
        let (high, low) = x.multipliedFullWidth(by: pow10(shift))
        if high != 0 { return 1 }
        return low < y ? -1 : (low == y ? 0 : 1)
    }

    // MARK: - Rescaling

    /// The outcome of moving a mantissa to another exponent.
    enum Rescaled {
        /// The same value at the new exponent.
        case exact(Int64)
        /// Non-zero digits would fall below the new exponent.
        case inexact
        /// The value does not fit an `Int64` mantissa at the new exponent.
        case overflow
    }

    /// `mantissa × 10^from` as a mantissa at exponent `to`, exactly or not at all.
    static func rescale(_ mantissa: Int64, from: Int8, to: Int8) -> Rescaled {
        if from == to || mantissa == 0 { return .exact(mantissa) }
        if to < from {
            let shift = Int(from) - Int(to)
            if shift > 18 { return .overflow }  // |mantissa| ≥ 1 and 10^19 > Int64.max.
            let (product, overflow) = mantissa.multipliedReportingOverflow(by: Int64(pow10(shift)))
            return overflow ? .overflow : .exact(product)
        }
        let shift = Int(to) - Int(from)
        if shift > 18 { return .inexact }  // |mantissa| < 10^19 ≤ 10^shift and it is not zero.
        let divisor = Int64(pow10(shift))
        return mantissa % divisor == 0 ? .exact(mantissa / divisor) : .inexact
    }

    // MARK: - Divisibility

    /// Whether `a × 10^ea` is an integer multiple of `b × 10^eb` (signs ignored). Zero is a
    /// multiple of everything; only zero is a multiple of zero.
    static func isMultiple(_ a: Int64, _ ea: Int8, of b: Int64, _ eb: Int8) -> Bool {
        let x = a.magnitude, y = b.magnitude
        if y == 0 { return x == 0 }
        if x == 0 { return true }
        if ea >= eb {
            // Is x × 10^shift ≡ 0 (mod y)? Multiply the residue by powers of ten, modulo y.
            var residue = x % y
            var shift = Int(ea) - Int(eb)
            while shift > 0 && residue != 0 {
                let step = min(shift, 19)
                let (high, low) = residue.multipliedFullWidth(by: pow10(step))
                residue = y.dividingFullWidth((high: high, low: low)).remainder  // residue < y: no trap.
                shift -= step
            }
            return residue == 0
        }
        // Is x ≡ 0 (mod y × 10^shift)? A divisor larger than x divides only zero.
        let shift = Int(eb) - Int(ea)
        if shift > 19 { return false }
        let (high, low) = y.multipliedFullWidth(by: pow10(shift))
        if high != 0 { return false }
        return x % low == 0
    }

    // MARK: - Hashing and precision

    /// The value with trailing zeros moved into the exponent, so equal values hash alike
    /// whatever exponent they were written at. Zero normalises to (0, 0).
    static func normalized(_ mantissa: Int64, _ exponent: Int8) -> (mantissa: Int64, exponent: Int) {
        if mantissa == 0 { return (0, 0) }
        var m = mantissa, e = Int(exponent)
        while m % 10 == 0 {
            m /= 10
            e += 1
        }
        return (m, e)
    }

    /// The number of decimals the value needs, i.e. −(exponent of its last non-zero digit);
    /// negative when it ends in zeros before the point, 0 for zero.
    static func decimals(_ mantissa: Int64, _ exponent: Int8) -> Int {
        -normalized(mantissa, exponent).exponent
    }

    /// Checks that `exponent` is within −18…18.
    static func checkExponent(_ exponent: Int, subject: String) throws(DecimalParseError) {
        guard exponent >= Int(minExponent) && exponent <= Int(maxExponent) else {
            throw .exponentOutOfRange(exponent: exponent, subject: subject)
        }
    }
}

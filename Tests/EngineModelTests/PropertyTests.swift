import EngineModel
import Testing

/// SplitMix64: a small, fast, seeded generator, so every run checks the same values and a
/// failure reproduces.
struct SplitMix64: RandomNumberGenerator {
    /// The generator's state; advanced by a fixed odd constant per draw.
    private var state: UInt64

    /// A generator starting from `seed`.
    init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A mantissa biased towards the interesting ones: the extremes, small values, values with
    /// trailing zeros, and uniformly random ones.
    mutating func mantissa() -> Int64 {
        switch Int.random(in: 0..<8, using: &self) {
        case 0: return [Int64.max, .min, .max - 1, .min + 1, 0, 1, -1][Int.random(in: 0..<7, using: &self)]
        case 1: return Int64.random(in: -1_000...1_000, using: &self)
        case 2: return Int64.random(in: -999_999...999_999, using: &self) * 1_000_000
        case 3: return Int64(truncatingIfNeeded: next()) >> Int.random(in: 0..<63, using: &self)
        default: return Int64(truncatingIfNeeded: next())
        }
    }

    /// An exponent in −18…18.
    mutating func exponent() -> Int8 { Int8.random(in: -18...18, using: &self) }
}

/// Randomised properties over mantissas and exponents, with a fixed seed.
@Suite("Properties")
struct PropertyTests {
    /// Draws per property.
    static let iterations = 20_000

    @Test("parsing a price's description at its exponent gives the price back", arguments: [1, 2, 3] as [UInt64])
    func priceRoundTrip(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<Self.iterations {
            let price = Price(mantissa: rng.mantissa(), exponent: rng.exponent())
            let parsed = try Price(parsing: price.description, exponent: price.exponent)
            #expect(parsed == price)
            #expect(parsed.mantissa == price.mantissa, "\(price) at \(price.exponent)")
        }
    }

    @Test("parsing a quantity's description gives the quantity back")
    func quantityRoundTrip() throws {
        var rng = SplitMix64(seed: 0x7157_3A11)
        for _ in 0..<Self.iterations {
            let mantissa = rng.mantissa()
            let quantity = Quantity(mantissa: mantissa == .min ? .max : abs(mantissa), exponent: rng.exponent())
            #expect(try Quantity(parsing: quantity.description, exponent: quantity.exponent) == quantity)
        }
    }

    @Test("rescaling to a finer exponent and back is the identity, and stays equal")
    func rescaleRoundTrip() throws {
        var rng = SplitMix64(seed: 42)
        var checked = 0
        for _ in 0..<Self.iterations {
            let price = Price(mantissa: rng.mantissa(), exponent: rng.exponent())
            let finer = Int8.random(in: -18...price.exponent, using: &rng)
            guard let scaled = try? price.rescaled(to: finer) else { continue }  // overflow: fine
            checked += 1
            #expect(scaled == price)
            #expect(scaled.hashValue == price.hashValue)
            #expect(try scaled.rescaled(to: price.exponent).mantissa == price.mantissa)
            #expect(try Price(parsing: price.description, exponent: finer) == scaled)
        }
        #expect(checked > Self.iterations / 4)
    }

    @Test("cross-exponent ordering agrees with ordering at a common exponent")
    func orderingAgrees() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<Self.iterations {
            // Small mantissas at nearby exponents, so a common exponent always fits.
            let a = small(&rng)
            let b = small(&rng)
            let common = min(a.exponent, b.exponent)
            guard let x = try? a.rescaled(to: common), let y = try? b.rescaled(to: common) else {
                Issue.record("\(a) or \(b) did not fit at \(common)")
                continue
            }
            #expect((a < b) == (x.mantissa < y.mantissa))
            #expect((a == b) == (x.mantissa == y.mantissa))
            #expect(a.isMultiple(of: b) == (y.mantissa == 0 ? x.mantissa == 0 : x.mantissa % y.mantissa == 0))
        }
    }

    /// A price with a mantissa within ±99,999 and an exponent within −4…4.
    func small(_ rng: inout SplitMix64) -> Price {
        Price(mantissa: .random(in: -99_999...99_999, using: &rng), exponent: .random(in: -4...4, using: &rng))
    }

    @Test("parsing never accepts a description with one more significant decimal")
    func extraDigitRejected() {
        var rng = SplitMix64(seed: 99)
        for _ in 0..<Self.iterations {
            let exponent = Int8.random(in: -17...0, using: &rng)
            let price = Price(mantissa: rng.mantissa() / 10, exponent: exponent)
            let text = price.description + (exponent == 0 ? "." : "") + String(Int.random(in: 1...9, using: &rng))
            let expected = DecimalParseError.tooPrecise(
                input: text, decimals: 1 - Int(exponent), allowed: -Int(exponent), subject: "price")
            #expect(throws: expected) { try Price(parsing: text, exponent: exponent) }
        }
    }
}

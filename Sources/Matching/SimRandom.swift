/// A small, seeded, deterministic pseudo-random generator (SplitMix64) for everything the
/// simulator randomises: generated client order ids and background liquidity.
///
/// No system entropy is ever read: the same seed gives the same sequence on every platform and
/// toolchain, because the bounded draws below are implemented here rather than through the
/// standard library's `random(in:using:)`, whose algorithm is not a stable contract.
public struct SimRandom: RandomNumberGenerator, Hashable, Sendable {
    /// The generator's whole state.
    public private(set) var state: UInt64

    /// A generator starting from `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// A value in `0..<bound` (multiply-shift; the bias is below 2⁻³² for bounds under 2³²).
    ///
    /// - Precondition: `bound` > 0.
    public mutating func next(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "an empty range has no random element")
        return next().multipliedFullWidth(by: bound).high
    }

    /// A value in `range`.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        let width = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int(next(below: width))
    }

    /// True with probability `perMille` / 1000.
    public mutating func chance(perMille: Int) -> Bool {
        Int(next(below: 1000)) < perMille
    }

    /// SplitMix64's finaliser: a bijection of 64-bit values with good avalanche.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Makes client order ids the way Binance does when a request has none: 22 characters of
/// [A-Za-z0-9] ("mUvoqJxFIILMdfAW5iGSOW"), here derived deterministically from a seed and a
/// counter so tests can predict them. The first 11 characters encode a bijection of the
/// counter, so ids never repeat.
struct ClientOrderIdGenerator: Sendable {
    /// The 62 characters ids are made of.
    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// Mixed into every id so different engines produce different ids.
    private let seed: UInt64

    /// How many ids were made.
    private var counter: UInt64 = 0

    /// A generator for an engine seeded with `seed`.
    init(seed: UInt64) {
        self.seed = seed
    }

    /// The next id.
    mutating func next() -> String {
        counter += 1
        let unique = SimRandom.mix(counter ^ SimRandom.mix(seed))
        let filler = SimRandom.mix(unique ^ seed)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(22)
        Self.append(unique, to: &bytes)
        Self.append(filler, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends 11 base-62 digits of `value` (62¹¹ > 2⁶⁴, so the encoding is injective).
    private static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        var rest = value
        for _ in 0..<11 {
            bytes.append(alphabet[Int(rest % 62)])
            rest /= 62
        }
    }

    /// Whether a client-supplied id matches Binance's `^[\.A-Z\:/a-z0-9_-]{1,36}$`.
    static func isValid(_ id: String) -> Bool {
        let utf8 = id.utf8
        guard (1...36).contains(utf8.count) else { return false }
        return utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: "/"),
                UInt8(ascii: "_"), UInt8(ascii: "-"):
                true
            default:
                false
            }
        }
    }

    /// Binance's pattern for client order ids, as quoted in error -1100.
    static let pattern = #"^[\.A-Z\:/a-z0-9_-]{1,36}$"#
}

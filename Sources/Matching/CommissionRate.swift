import EngineModel

/// A commission rate as an exact decimal fraction of the amount received: `mantissa ×
/// 10^exponent` (0.001 = 10 basis points = mantissa 1, exponent −3).
///
/// Commissions are charged in the asset the party receives (base for a buyer, quote for a
/// seller), like Binance's default without BNB, and rounded up to the asset's precision so the
/// venue never undercharges.
public struct CommissionRate: Hashable, Sendable, CustomStringConvertible {
    /// The integer the fraction is made of (≥ 0).
    public let mantissa: Int64

    /// The power of ten the mantissa is scaled by (≤ 0 for any rate below 100 %).
    public let exponent: Int8

    /// A rate from its raw parts: `CommissionRate(mantissa: 75, exponent: -5)` is 0.075 %.
    ///
    /// - Precondition: `mantissa` ≥ 0 and `exponent` in −18…0.
    public init(mantissa: Int64, exponent: Int8) {
        precondition(mantissa >= 0, "a commission rate cannot be negative")
        precondition(exponent >= -18 && exponent <= 0, "commission rate exponent \(exponent) is outside -18...0")
        self.mantissa = mantissa
        self.exponent = exponent
    }

    /// A rate in basis points (hundredths of a percent): 10 bp = 0.001.
    public init(basisPoints: Int64) {
        self.init(mantissa: basisPoints, exponent: -4)
    }

    /// No commission.
    public static let zero = CommissionRate(mantissa: 0, exponent: 0)

    /// The decimal fraction ("0.0010" for 10 bp).
    public var description: String {
        Price(mantissa: mantissa, exponent: exponent).description
    }

    /// The commission on `amount` (a mantissa at some asset exponent), at that same exponent,
    /// rounded up; nil only when the result cannot be represented.
    func commission(on amount: Int64) -> Int64? {
        ScaledMath.product(amount, mantissa, shift: Int(exponent), rounding: .up)
    }
}

/// The maker and taker rates one account pays.
public struct CommissionSchedule: Hashable, Sendable {
    /// Paid on fills where the account's order was resting on the book.
    public var maker: CommissionRate

    /// Paid on fills where the account's order took liquidity.
    public var taker: CommissionRate

    /// A schedule from its two rates.
    public init(maker: CommissionRate, taker: CommissionRate) {
        self.maker = maker
        self.taker = taker
    }

    /// Binance spot's standard tier: 10 bp maker, 10 bp taker.
    public static let standard = CommissionSchedule(maker: .init(basisPoints: 10), taker: .init(basisPoints: 10))

    /// No commission at all.
    public static let free = CommissionSchedule(maker: .zero, taker: .zero)

    /// The rate for one side of a fill.
    func rate(isMaker: Bool) -> CommissionRate { isMaker ? maker : taker }
}

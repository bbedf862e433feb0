import EngineModel

/// Fixed-point arithmetic of the futures clearing: every amount of money (wallet, PnL, margin,
/// commission, funding) is an `Int64` mantissa at `FuturesMath.moneyExponent` (8 decimals, as
/// Binance writes USDT amounts); prices and quantities stay at the contract's exponents. Products
/// are formed at double width, so `price × quantity` never overflows before it is scaled.
enum FuturesMath {
    /// The exponent of money amounts.
    static let moneyExponent: Int8 = -8

    /// 10^n for n in 0…18.
    static func pow10(_ n: Int) -> Int64 {
        precondition(n >= 0 && n <= 18, "10^\(n) does not fit an Int64")
        var value: Int64 = 1
        for _ in 0..<n { value *= 10 }
        return value
    }

    /// a × b / c, truncated toward zero, with a double-width intermediate.
    /// - Precondition: c ≠ 0 and the quotient fits an Int64.
    static func mulDiv(_ a: Int64, _ b: Int64, _ c: Int64) -> Int64 {
        precondition(c != 0, "division by zero")
        let negative = (a < 0) != (b < 0) && a != 0 && b != 0
        let (high, low) = a.magnitude.multipliedFullWidth(by: b.magnitude)
        let (quotient, _) = c.magnitude.dividingFullWidth((high, low))
        let signed = Int64(quotient)
        return (negative != (c < 0)) ? -signed : signed
    }

    /// a × b × 10^shift, truncated toward zero.
    static func product(_ a: Int64, _ b: Int64, shift: Int) -> Int64 {
        shift >= 0 ? mulDiv(a, b, 1) * pow10(shift) : mulDiv(a, b, pow10(-shift))
    }

    /// The money value of `quantity` (mantissa at `quantityExponent`, signed) at `price`
    /// (mantissa at `priceExponent`).
    static func notional(price: Int64, priceExponent: Int8, quantity: Int64, quantityExponent: Int8) -> Int64 {
        product(price, quantity, shift: Int(priceExponent) + Int(quantityExponent) - Int(moneyExponent))
    }

    /// `money × rate`, the rate a mantissa at the money exponent ("0.0005" → 50 000).
    static func apply(rate: Int64, to money: Int64) -> Int64 {
        mulDiv(money, rate, pow10(-Int(moneyExponent)))
    }

    /// A decimal text ("0.0005", "100000") as a money mantissa; traps on a malformed constant.
    static func money(_ text: String) -> Int64 {
        do {
            return try Price(parsing: text, exponent: moneyExponent).mantissa
        } catch {
            preconditionFailure("futures setting \(text): \(error)")
        }
    }

    /// A money mantissa as a decimal string with 8 decimals ("-12.50000000").
    static func text(_ money: Int64) -> String { Price(mantissa: money, exponent: moneyExponent).description }
}

import EngineModel

// The average-cost arithmetic of one position, exact and free of state: the account book keeps the
// state and calls these for every fill and mark. Amounts are at 10⁻⁸ and round half away from
// zero, once per figure, the way the conformance check (Tools/conformance/account_agree.py)
// recomputes them from the venue's trades.

/// A signed position size: `mantissa × 10^exponent`, + long, − short, 0 flat. `Quantity` cannot be
/// negative, so the book keeps the sign here and `PositionEntry.size` carries the magnitude.
public struct SignedSize: Hashable, Sendable, CustomStringConvertible {
    /// The signed integer the size is made of.
    public var mantissa: Int64
    /// The instrument's quantity exponent (−5 for BTC on Binance spot).
    public var exponent: Int8

    /// A size from its raw parts.
    public init(mantissa: Int64, exponent: Int8) {
        self.mantissa = mantissa
        self.exponent = exponent
    }

    /// A long (`.buy`) or short (`.sell`) size of `quantity`.
    public init(_ side: Side, _ quantity: Quantity) {
        self.init(mantissa: side == .buy ? quantity.mantissa : -quantity.mantissa, exponent: quantity.exponent)
    }

    /// |size| as a quantity.
    public var magnitude: Quantity { Quantity(mantissa: Int64(mantissa.magnitude), exponent: exponent) }

    /// Whether the position is flat.
    public var isFlat: Bool { mantissa == 0 }

    /// Whether the position is short.
    public var isShort: Bool { mantissa < 0 }

    /// "-0.00150" for a short, "0.00150" for a long.
    public var description: String { (isShort ? "-" : "") + magnitude.description }
}

/// What one fill does to a position (`PositionMath.apply`).
public struct PositionStep: Hashable, Sendable {
    /// The size after the fill.
    public var size: SignedSize
    /// The average cost of the open size after the fill (nil when flat).
    public var average: Amount?
    /// The PnL the fill realized by reducing the position (zero when it only increased it).
    public var realized: Amount
    /// How much of the old size the fill closed (zero when it only increased it): a closing fill.
    public var closed: Quantity
}

/// The average-cost method, exact at 10⁻⁸.
public enum PositionMath {
    /// Applies a fill of `quantity` at `price` on `side` to a position of `size` at `average`.
    ///
    /// - Increasing (or opening): the new average is `(average × |size| + price × quantity) /
    ///   (|size| + quantity)`, rounded half away from zero to 10⁻⁸ per unit.
    /// - Reducing: `realized = (price − average) × closed × (long ? +1 : −1)`; the average stays.
    /// - Crossing zero: the old size is closed as above and the remainder opens at `price`.
    ///
    /// - Precondition: a position that is not flat has an average, and its exponent is the
    ///   fill's (a flat position takes the fill's exponent).
    public static func apply(
        side: Side, price: Price, quantity: Quantity, to size: SignedSize, average: Amount?
    ) -> PositionStep {
        let exponent = size.isFlat ? quantity.exponent : size.exponent
        precondition(
            quantity.exponent == exponent,
            "fill quantity at exponent \(quantity.exponent), position at \(exponent)")
        let current = size.mantissa
        let delta = side == .buy ? quantity.mantissa : -quantity.mantissa
        let none = Quantity(mantissa: 0, exponent: exponent)
        if delta == 0 {
            return PositionStep(size: size, average: average, realized: .zero, closed: none)
        }
        if current == 0 || (current > 0) == (delta > 0) {
            let held = Int64(current.magnitude)
            let average = weightedAverage(average ?? .zero, held, Amount(price), quantity.mantissa)
            return PositionStep(
                size: SignedSize(mantissa: current + delta, exponent: exponent), average: average,
                realized: .zero, closed: none)
        }
        guard let average else { preconditionFailure("position \(size) without an average cost") }
        let closed = Quantity(mantissa: min(quantity.mantissa, Int64(current.magnitude)), exponent: exponent)
        let gain = (Amount(price) - average).times(closed)
        let remaining = current + delta
        let nextAverage: Amount? =
            remaining == 0 ? nil : (remaining > 0) == (current > 0) ? average : Amount(price)
        return PositionStep(
            size: SignedSize(mantissa: remaining, exponent: exponent), average: nextAverage,
            realized: current > 0 ? gain : -gain, closed: closed)
    }

    /// `(mark − average) × size`: the PnL of closing the whole position at `mark` (zero when flat).
    public static func unrealized(size: SignedSize, average: Amount?, mark: Price) -> Amount {
        guard let average, !size.isFlat else { return .zero }
        let gain = (Amount(mark) - average).times(size.magnitude)
        return size.isShort ? -gain : gain
    }

    /// `amount × price` (a fee in the base asset at the fill price, an asset at its mark), rounded
    /// half away from zero to 10⁻⁸.
    public static func value(_ amount: Amount, at price: Price) -> Amount {
        Amount(e8: Amount.rescale(Int128(amount.e8) * Int128(price.mantissa), from: -8 + Int(price.exponent)))
    }

    /// `(average × held + price × added) / (held + added)`, mantissas at one quantity exponent.
    static func weightedAverage(_ average: Amount, _ held: Int64, _ price: Amount, _ added: Int64) -> Amount {
        let numerator = Int128(average.e8) * Int128(held) + Int128(price.e8) * Int128(added)
        return Amount(e8: Amount.narrow(Amount.divideRounded(numerator, by: Int128(held) + Int128(added))))
    }
}

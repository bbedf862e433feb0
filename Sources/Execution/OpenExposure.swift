import EngineModel

/// The quantity open orders of one instrument may still trade, per side: what pre-trade checks
/// add to the position before allowing another order.
public struct OpenExposure: Hashable, Sendable {
    /// Σ remaining quantity of open buy orders.
    public private(set) var buy: Quantity
    /// Σ remaining quantity of open sell orders.
    public private(set) var sell: Quantity

    /// No exposure, at `quantityExponent`.
    public init(quantityExponent: Int8) {
        buy = Quantity(mantissa: 0, exponent: quantityExponent)
        sell = Quantity(mantissa: 0, exponent: quantityExponent)
    }

    /// Exposure of `buy` and `sell` (at the same exponent).
    ///
    /// - Precondition: both are at the same exponent.
    public init(buy: Quantity, sell: Quantity) {
        precondition(buy.exponent == sell.exponent, "open exposure sides at different exponents")
        self.buy = buy
        self.sell = sell
    }

    /// The exponent of both sides.
    public var quantityExponent: Int8 { buy.exponent }

    /// The exposure on `side`.
    public func on(_ side: Side) -> Quantity { side == .buy ? buy : sell }

    /// Adds `quantity` to `side`, saturating at `Int64.max` (a bigger exposure is refused by any
    /// limit anyway). A quantity that cannot be moved exactly to the exponent counts as the
    /// maximum, so it can only make checks stricter.
    public mutating func add(_ quantity: Quantity, side: Side) {
        let aligned = FixedPointMath.aligned(quantity, to: quantityExponent)?.mantissa ?? .max
        let current = on(side).mantissa
        let (sum, overflow) = current.addingReportingOverflow(aligned)
        let total = Quantity(mantissa: overflow ? .max : sum, exponent: quantityExponent)
        if side == .buy { buy = total } else { sell = total }
    }
}

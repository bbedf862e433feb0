/// Why an order's price, quantity or notional breaks an instrument's filters.
///
/// Every case names the symbol and carries the offending values, so `description` is a
/// complete one-line message such as `BTCUSDT price 100.005 is not a multiple of the tick
/// size 0.01`.
public enum InstrumentError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The price is not at the instrument's price exponent.
    case priceExponent(symbol: String, price: Price, expected: Int8)

    /// The price is zero or negative.
    case priceNotPositive(symbol: String, price: Price)

    /// The price is not a multiple of the tick size.
    case priceOffTick(symbol: String, price: Price, tickSize: Price)

    /// The quantity is not at the instrument's quantity exponent.
    case quantityExponent(symbol: String, quantity: Quantity, expected: Int8)

    /// The quantity is zero.
    case quantityNotPositive(symbol: String, quantity: Quantity)

    /// The quantity is not a multiple of the step size.
    case quantityOffStep(symbol: String, quantity: Quantity, stepSize: Quantity)

    /// Price × quantity is below the instrument's minimum notional.
    case belowMinNotional(symbol: String, notional: Price, minNotional: Price)

    /// Price × quantity does not fit an `Int64` mantissa at the summed exponent.
    case notionalOverflow(symbol: String, price: Price, quantity: Quantity)

    /// The instrument's symbol.
    public var symbol: String {
        switch self {
        case .priceExponent(let symbol, _, _), .priceNotPositive(let symbol, _), .priceOffTick(let symbol, _, _),
            .quantityExponent(let symbol, _, _), .quantityNotPositive(let symbol, _),
            .quantityOffStep(let symbol, _, _), .belowMinNotional(let symbol, _, _),
            .notionalOverflow(let symbol, _, _):
            return symbol
        }
    }

    /// A one-line human message naming the symbol, the value and the filter it breaks.
    public var description: String {
        switch self {
        case .priceExponent(let symbol, let price, let expected):
            return "\(symbol) price \(price) has exponent \(price.exponent); \(symbol) prices use \(expected)"
        case .priceNotPositive(let symbol, let price):
            return "\(symbol) price \(price) must be greater than zero"
        case .priceOffTick(let symbol, let price, let tickSize):
            return "\(symbol) price \(price) is not a multiple of the tick size \(tickSize)"
        case .quantityExponent(let symbol, let quantity, let expected):
            return "\(symbol) quantity \(quantity) has exponent \(quantity.exponent); "
                + "\(symbol) quantities use \(expected)"
        case .quantityNotPositive(let symbol, let quantity):
            return "\(symbol) quantity \(quantity) must be greater than zero"
        case .quantityOffStep(let symbol, let quantity, let stepSize):
            return "\(symbol) quantity \(quantity) is not a multiple of the step size \(stepSize)"
        case .belowMinNotional(let symbol, let notional, let minNotional):
            return "\(symbol) notional \(notional) is below the minimum notional \(minNotional)"
        case .notionalOverflow(let symbol, let price, let quantity):
            let exponent = Int(price.exponent) + Int(quantity.exponent)
            return "\(symbol) notional \(price) × \(quantity) does not fit at exponent \(exponent) "
                + "(Int64 mantissa, exponents -18...18)"
        }
    }
}

/// A tradable symbol on a venue, with the exponents its prices and quantities are stored at and
/// the venue's filters (Binance's PRICE_FILTER tickSize, LOT_SIZE stepSize, NOTIONAL minNotional).
///
/// Prices are mantissas at `priceExponent`, quantities mantissas at `quantityExponent`; the
/// tick size, step size and minimum notional are stored at those exponents too, exactly as the
/// shared-memory ABI's instrument table holds them.
public struct Instrument: Hashable, Sendable, CustomStringConvertible {
    /// The venue's symbol, upper case ("BTCUSDT").
    public let symbol: String

    /// The venue the instrument trades on ("binance", "synthetic").
    public let venue: String

    /// The exponent of every price of this instrument (−2 for a tick of 0.01).
    public let priceExponent: Int8

    /// The exponent of every quantity of this instrument (−5 for a step of 0.00001).
    public let quantityExponent: Int8

    /// The smallest price increment (> 0), at `priceExponent`.
    public let tickSize: Price

    /// The smallest quantity increment (> 0), at `quantityExponent`.
    public let stepSize: Quantity

    /// The smallest order notional, price × quantity (≥ 0), at `priceExponent`.
    public let minNotional: Price

    /// An instrument from venue filter strings, the way Binance's exchangeInfo gives them
    /// (tickSize "0.01000000", stepSize "0.00001000", minNotional "5.00000000").
    ///
    /// The price exponent is the position of the tick size's last significant digit
    /// ("0.01000000" → −2, "1.00000000" → 0, "10" → 1), the quantity exponent likewise from the
    /// step size. Tick and step must be > 0. The minimum notional must be ≥ 0 and exact at the
    /// price exponent (else `.tooPrecise`). Errors name the symbol and the filter.
    public init(
        symbol: String, venue: String, tickSize: String, stepSize: String, minNotional: String
    ) throws(DecimalParseError) {
        let symbol = symbol.uppercased()
        let tick = try DecimalParser.natural(tickSize, allowNegative: true, subject: "\(symbol) tickSize")
        let step = try DecimalParser.natural(stepSize, allowNegative: false, subject: "\(symbol) stepSize")
        guard tick.mantissa > 0 else { throw .notPositive(input: tickSize, subject: "\(symbol) tickSize") }
        guard step.mantissa > 0 else { throw .notPositive(input: stepSize, subject: "\(symbol) stepSize") }
        let notional = try DecimalParser.mantissa(
            minNotional, exponent: tick.exponent, allowNegative: false, subject: "\(symbol) minNotional")
        try self.init(
            symbol: symbol, venue: venue, tickSize: Price(mantissa: tick.mantissa, exponent: tick.exponent),
            stepSize: Quantity(mantissa: step.mantissa, exponent: step.exponent),
            minNotional: Price(mantissa: notional, exponent: tick.exponent))
    }

    /// An instrument from filter values; the exponents are those of `tickSize` and `stepSize` as
    /// given (so the shared-memory instrument table round-trips unchanged).
    ///
    /// Tick and step must be > 0; the minimum notional must be ≥ 0 and exact at the tick's
    /// exponent, and is stored there.
    public init(
        symbol: String, venue: String, tickSize: Price, stepSize: Quantity, minNotional: Price
    ) throws(DecimalParseError) {
        let symbol = symbol.uppercased()
        guard tickSize.mantissa > 0 else { throw .notPositive(input: "\(tickSize)", subject: "\(symbol) tickSize") }
        guard stepSize.mantissa > 0 else { throw .notPositive(input: "\(stepSize)", subject: "\(symbol) stepSize") }
        let subject = "\(symbol) minNotional"
        guard minNotional.mantissa >= 0 else { throw .negative(input: "\(minNotional)", subject: subject) }
        switch FixedPoint.rescale(minNotional.mantissa, from: minNotional.exponent, to: tickSize.exponent) {
        case .exact(let m):
            self.minNotional = Price(mantissa: m, exponent: tickSize.exponent)
        case .inexact:
            let decimals = FixedPoint.decimals(minNotional.mantissa, minNotional.exponent)
            throw .tooPrecise(
                input: "\(minNotional)", decimals: decimals, allowed: -Int(tickSize.exponent), subject: subject)
        case .overflow:
            throw .overflow(input: "\(minNotional)", exponent: tickSize.exponent, subject: subject)
        }
        self.symbol = symbol
        self.venue = venue
        self.priceExponent = tickSize.exponent
        self.quantityExponent = stepSize.exponent
        self.tickSize = tickSize
        self.stepSize = stepSize
    }

    /// One line: "BTCUSDT@binance tick 0.01 step 0.00001 minNotional 5.00".
    public var description: String {
        "\(symbol)@\(venue) tick \(tickSize) step \(stepSize) minNotional \(minNotional)"
    }

    // MARK: - Parsing

    /// Parses a price at this instrument's price exponent; errors name the symbol
    /// (`"0.001" has 3 decimals; BTCUSDT prices allow 2`). Does not check the tick size.
    public func parsePrice(_ text: String) throws(DecimalParseError) -> Price {
        try Price(parsing: text, exponent: priceExponent, subject: "\(symbol) price")
    }

    /// Parses a quantity at this instrument's quantity exponent; errors name the symbol.
    /// Does not check the step size.
    public func parseQuantity(_ text: String) throws(DecimalParseError) -> Quantity {
        try Quantity(parsing: text, exponent: quantityExponent, subject: "\(symbol) quantity")
    }

    // MARK: - Validation

    /// Checks that a price is at the price exponent, > 0 and a multiple of the tick size.
    public func validate(price: Price) throws(InstrumentError) {
        guard price.exponent == priceExponent else {
            throw .priceExponent(symbol: symbol, price: price, expected: priceExponent)
        }
        guard price.mantissa > 0 else { throw .priceNotPositive(symbol: symbol, price: price) }
        guard price.isMultiple(of: tickSize) else {
            throw .priceOffTick(symbol: symbol, price: price, tickSize: tickSize)
        }
    }

    /// Checks that a quantity is at the quantity exponent, > 0 and a multiple of the step size.
    public func validate(quantity: Quantity) throws(InstrumentError) {
        guard quantity.exponent == quantityExponent else {
            throw .quantityExponent(symbol: symbol, quantity: quantity, expected: quantityExponent)
        }
        guard quantity.mantissa > 0 else { throw .quantityNotPositive(symbol: symbol, quantity: quantity) }
        guard quantity.isMultiple(of: stepSize) else {
            throw .quantityOffStep(symbol: symbol, quantity: quantity, stepSize: stepSize)
        }
    }

    /// Checks that price × quantity is at least the minimum notional (exactly, at any exponents).
    /// A product too large for an `Int64` mantissa is refused as `.notionalOverflow`.
    public func validate(notional price: Price, quantity: Quantity) throws(InstrumentError) {
        let notional: Price
        do {
            notional = try price.notional(quantity)
        } catch {
            throw .notionalOverflow(symbol: symbol, price: price, quantity: quantity)
        }
        guard notional >= minNotional else {
            throw .belowMinNotional(symbol: symbol, notional: notional, minNotional: minNotional)
        }
    }

    /// Checks a limit order's price, quantity and notional, in that order.
    public func validateOrder(price: Price, quantity: Quantity) throws(InstrumentError) {
        try validate(price: price)
        try validate(quantity: quantity)
        try validate(notional: price, quantity: quantity)
    }
}

import EngineModel
import Testing

/// Instruments from Binance exchangeInfo filter strings, and order validation against them.
@Suite("Instrument")
struct InstrumentTests {
    /// BTCUSDT exactly as Binance spot exchangeInfo gives its filters.
    static func btc() throws -> Instrument {
        try Instrument(
            symbol: "BTCUSDT", venue: "binance", tickSize: "0.01000000", stepSize: "0.00001000",
            minNotional: "5.00000000")
    }

    /// Symbol, tick, step, min notional; expected price and quantity exponents and mantissas.
    static let filters: [(String, String, String, String, Int8, Int8, Int64, Int64, Int64)] = [
        ("BTCUSDT", "0.01000000", "0.00001000", "5.00000000", -2, -5, 1, 1, 500),
        ("ETHUSDT", "0.01", "0.0001", "5", -2, -4, 1, 1, 500),
        ("SHIBUSDT", "0.00000001", "1.00000000", "5.00000000", -8, 0, 1, 1, 500_000_000),
        ("ETHBTC", "0.00001000", "0.00010000", "0.00010000", -5, -4, 1, 1, 10),
        ("BTCTRY", "1.00000000", "0.00001000", "10.00000000", 0, -5, 1, 1, 10),
        ("BIGUSD", "10", "0.001", "100", 1, -3, 1, 1, 10),
        ("XRPUSDT", "0.0001", "0.1", "5", -4, -1, 1, 1, 50_000),
        ("HALFUSDT", "0.05000000", "25.00000000", "0", -2, 0, 5, 25, 0),
    ]

    @Test("exponents come from the last significant digit of tick and step", arguments: filters)
    func derivesExponents(
        symbol: String, tick: String, step: String, minNotional: String, priceExponent: Int8,
        quantityExponent: Int8, tickMantissa: Int64, stepMantissa: Int64, notionalMantissa: Int64
    ) throws {
        let instrument = try Instrument(
            symbol: symbol, venue: "binance", tickSize: tick, stepSize: step, minNotional: minNotional)
        #expect(instrument.priceExponent == priceExponent)
        #expect(instrument.quantityExponent == quantityExponent)
        #expect(instrument.tickSize == Price(mantissa: tickMantissa, exponent: priceExponent))
        #expect(instrument.tickSize.exponent == priceExponent)
        #expect(instrument.stepSize.mantissa == stepMantissa)
        #expect(instrument.stepSize.exponent == quantityExponent)
        #expect(instrument.minNotional.mantissa == notionalMantissa)
        #expect(instrument.minNotional.exponent == priceExponent)
    }

    @Test("symbol is upper-cased and described on one line")
    func symbolAndDescription() throws {
        let instrument = try Instrument(
            symbol: "btcusdt", venue: "binance", tickSize: "0.01", stepSize: "0.00001", minNotional: "5")
        #expect(instrument.symbol == "BTCUSDT")
        #expect(instrument == (try Self.btc()))
        #expect(instrument.description == "BTCUSDT@binance tick 0.01 step 0.00001 minNotional 5.00")
    }

    @Test("bad filters are refused with errors naming the symbol")
    func badFilters() {
        func make(_ tick: String, _ step: String, _ notional: String) throws(DecimalParseError) -> Instrument {
            try Instrument(symbol: "XYZUSDT", venue: "binance", tickSize: tick, stepSize: step, minNotional: notional)
        }
        #expect(throws: DecimalParseError.notPositive(input: "0.00000000", subject: "XYZUSDT tickSize")) {
            try make("0.00000000", "1", "5")
        }
        #expect(throws: DecimalParseError.notPositive(input: "-0.01", subject: "XYZUSDT tickSize")) {
            try make("-0.01", "1", "5")
        }
        #expect(throws: DecimalParseError.notPositive(input: "0", subject: "XYZUSDT stepSize")) {
            try make("0.01", "0", "5")
        }
        #expect(throws: DecimalParseError.negative(input: "-1", subject: "XYZUSDT stepSize")) {
            try make("0.01", "-1", "5")
        }
        #expect(throws: DecimalParseError.negative(input: "-5", subject: "XYZUSDT minNotional")) {
            try make("0.01", "1", "-5")
        }
        let coarse = DecimalParseError.tooPrecise(input: "5", decimals: 0, allowed: -1, subject: "XYZUSDT minNotional")
        #expect(throws: coarse) { try make("10", "1", "5") }
        #expect(throws: DecimalParseError.exponentNotation(input: "1e-2", subject: "XYZUSDT tickSize")) {
            try make("1e-2", "1", "5")
        }
        #expect(throws: DecimalParseError.exponentOutOfRange(exponent: -19, subject: "XYZUSDT tickSize")) {
            try make("0.0000000000000000001", "1", "5")
        }
    }

    @Test("parsePrice and parseQuantity use the instrument's exponents and name it in errors")
    func parsing() throws {
        let btc = try Self.btc()
        #expect(try btc.parsePrice("65000.1") == Price(mantissa: 6_500_010, exponent: -2))
        #expect(try btc.parseQuantity("0.0012").mantissa == 120)
        let fine = DecimalParseError.tooPrecise(input: "0.001", decimals: 3, allowed: 2, subject: "BTCUSDT price")
        #expect(throws: fine) { try btc.parsePrice("0.001") }
        do {
            _ = try btc.parsePrice("0.001")
        } catch {
            #expect(error.description == "\"0.001\" has 3 decimals; BTCUSDT prices allow 2")
        }
        #expect(throws: DecimalParseError.negative(input: "-1", subject: "BTCUSDT quantity")) {
            try btc.parseQuantity("-1")
        }
    }

    @Test("validates price, quantity and notional")
    func validation() throws {
        let btc = try Self.btc()
        let price = try btc.parsePrice("65000.00")
        let quantity = try btc.parseQuantity("0.001")
        try btc.validate(price: price)
        try btc.validate(quantity: quantity)
        try btc.validate(notional: price, quantity: quantity)
        try btc.validateOrder(price: price, quantity: quantity)
        // Exactly the minimum notional passes: 5.00 = 50000.00 × 0.00010.
        try btc.validate(notional: Price("50000", exponent: -2), quantity: Quantity("0.0001", exponent: -5))

        let milli = Price("1", exponent: -3)
        #expect(throws: InstrumentError.priceExponent(symbol: "BTCUSDT", price: milli, expected: -2)) {
            try btc.validate(price: milli)
        }
        #expect(throws: InstrumentError.priceNotPositive(symbol: "BTCUSDT", price: Price(mantissa: 0, exponent: -2))) {
            try btc.validate(price: Price(mantissa: 0, exponent: -2))
        }
        let wide = try Instrument(symbol: "WIDE", venue: "x", tickSize: "0.05", stepSize: "0.5", minNotional: "1")
        let offTick = Price("1.02", exponent: -2)
        #expect(throws: InstrumentError.priceOffTick(symbol: "WIDE", price: offTick, tickSize: wide.tickSize)) {
            try wide.validate(price: offTick)
        }
        try wide.validate(price: Price("1.05", exponent: -2))
        let offStep = Quantity("1.2", exponent: -1)
        #expect(throws: InstrumentError.quantityOffStep(symbol: "WIDE", quantity: offStep, stepSize: wide.stepSize)) {
            try wide.validate(quantity: offStep)
        }
        #expect(throws: InstrumentError.quantityExponent(symbol: "BTCUSDT", quantity: offStep, expected: -5)) {
            try btc.validate(quantity: offStep)
        }
        let none = Quantity(mantissa: 0, exponent: -5)
        #expect(throws: InstrumentError.quantityNotPositive(symbol: "BTCUSDT", quantity: none)) {
            try btc.validate(quantity: none)
        }
    }

    @Test("notional below the minimum or too large is refused, with clear messages")
    func notionalValidation() throws {
        let btc = try Self.btc()
        let price = Price("49999.99", exponent: -2)
        let quantity = Quantity("0.0001", exponent: -5)
        let notional = try price.notional(quantity)
        let below = InstrumentError.belowMinNotional(
            symbol: "BTCUSDT", notional: notional, minNotional: btc.minNotional)
        #expect(throws: below) { try btc.validate(notional: price, quantity: quantity) }
        #expect(throws: below) { try btc.validateOrder(price: price, quantity: quantity) }
        #expect(below.description == "BTCUSDT notional 4.9999990 is below the minimum notional 5.00")
        #expect(below.symbol == "BTCUSDT")

        let huge = Price(mantissa: .max, exponent: -2)
        let many = Quantity(mantissa: 2, exponent: -5)
        #expect(throws: InstrumentError.notionalOverflow(symbol: "BTCUSDT", price: huge, quantity: many)) {
            try btc.validate(notional: huge, quantity: many)
        }
        let offTick = InstrumentError.priceOffTick(
            symbol: "BTCUSDT", price: Price("100.005", exponent: -3), tickSize: btc.tickSize)
        #expect(offTick.description == "BTCUSDT price 100.005 is not a multiple of the tick size 0.01")
    }
}

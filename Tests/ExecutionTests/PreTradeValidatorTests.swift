import EngineModel
import Execution
import Testing

/// FR-OE-002: every rule's rejection, and the fixed order they are checked in.
@Suite("Pre-trade validator")
struct PreTradeValidatorTests {
    static let limits = InstrumentLimits(
        minQuantity: Fixtures.qty("0.001"), maxQuantity: Fixtures.qty("5"), maxPosition: Fixtures.qty("3"))
    static let validator = PreTradeValidator(settings: ExecutionSettings(limitsBySymbol: ["BTCUSDT": limits]))
    static let mid = Price("100.005", exponent: -3)

    static func context(
        mid: Price? = PreTradeValidatorTests.mid, position: Int64 = 0, openBuy: String = "0", openSell: String = "0",
        quote: Price? = nil, base: Quantity? = nil, rate: OrderRateLimiter.Decision = .allowed,
        breaker: CircuitBreaker.Decision = .allowed, halted: Bool = false
    ) -> ValidationContext {
        ValidationContext(
            mid: mid, position: position,
            openExposure: OpenExposure(buy: Fixtures.qty(openBuy), sell: Fixtures.qty(openSell)),
            availableQuote: quote, availableBase: base, rate: rate, breaker: breaker, halted: halted)
    }

    static func code(_ request: OrderRequest, _ context: ValidationContext = context()) -> RejectCode? {
        validator.firstFailure(request, context: context)?.code
    }

    @Test("a good order passes")
    func passes() throws {
        try Self.validator.validate(Fixtures.request(), context: Self.context())
        try Self.validator.validate(Fixtures.request(type: .market, price: nil), context: Self.context())
        try Self.validator.validate(
            Fixtures.request(side: .sell, quantity: Fixtures.qty("0.5")),
            context: Self.context(quote: Price("0", exponent: 0), base: Fixtures.qty("0.5")))
    }

    @Test("each rule's rejection code")
    func eachRule() {
        #expect(Self.code(Fixtures.request(), Self.context(halted: true)) == .halted)
        #expect(Self.code(Fixtures.request(quantity: Fixtures.qty("0"))) == .malformed)
        #expect(Self.code(Fixtures.request(price: nil)) == .malformed)
        #expect(Self.code(Fixtures.request(price: Fixtures.price("0"))) == .malformed)
        #expect(Self.code(Fixtures.request(type: .market, price: Fixtures.price("100"))) == .malformed)
        #expect(Self.code(Fixtures.request(type: .limitMaker, tif: .ioc)) == .malformed)
        #expect(Self.code(Fixtures.request(price: Price("100.005", exponent: -3))) == .tick)
        #expect(Self.code(Fixtures.request(quantity: Quantity("0.000001", exponent: -6))) == .lot)
        #expect(Self.code(Fixtures.request(quantity: Fixtures.qty("0.0005"))) == .minQuantity)
        #expect(Self.code(Fixtures.request(quantity: Fixtures.qty("5.00001"))) == .maxQuantity)
        #expect(Self.code(Fixtures.request(quantity: Fixtures.qty("0.04"))) == .notional)  // 4.00 < 5
        #expect(Self.code(Fixtures.request(price: Fixtures.price("111.00"))) == .priceBand)
        #expect(Self.code(Fixtures.request(price: Fixtures.price("90.00"))) == .priceBand)
        #expect(Self.code(Fixtures.request(), Self.context(mid: nil)) == .noMarket)
        #expect(Self.code(Fixtures.request(type: .market, price: nil), Self.context(mid: nil)) == .noMarket)
        #expect(Self.code(Fixtures.request(quantity: Fixtures.qty("2")), Self.context(position: 150_000)) == .position)
        #expect(Self.code(Fixtures.request(quantity: Fixtures.qty("1")), Self.context(openBuy: "2.5")) == .position)
        #expect(Self.code(Fixtures.request(), Self.context(quote: Price("99.99", exponent: -2))) == .balance)
        #expect(Self.code(Fixtures.request(side: .sell), Self.context(base: Fixtures.qty("0.9"))) == .balance)
        #expect(Self.code(Fixtures.request(), Self.context(rate: .localLimit(retryAtNs: 5))) == .rate)
        #expect(Self.code(Fixtures.request(), Self.context(breaker: .refused(retryAtNs: 9))) == .breaker)
    }

    @Test("the band edges are inclusive and exact")
    func bandEdges() {
        let mid = Fixtures.price("100.00")
        let r = { (p: String) in Fixtures.request(price: Fixtures.price(p)) }
        #expect(Self.code(r("110.00"), Self.context(mid: mid)) == nil)
        #expect(Self.code(r("110.01"), Self.context(mid: mid)) == .priceBand)
        #expect(Self.code(r("90.00"), Self.context(mid: mid)) == nil)
        #expect(Self.code(r("89.99"), Self.context(mid: mid)) == .priceBand)
        let relaxed = PreTradeValidator(settings: ExecutionSettings(defaultLimits: InstrumentLimits(requireMid: false)))
        #expect(relaxed.firstFailure(r("500.00"), context: Self.context(mid: nil)) == nil)
    }

    @Test("sells are checked against the short side of the position limit")
    func shortSide() {
        let sell = Fixtures.request(side: .sell, quantity: Fixtures.qty("1"))
        #expect(Self.code(sell, Self.context(position: -200_000)) == nil)  // -2 - 1 = -3: at the limit
        #expect(Self.code(sell, Self.context(position: -200_000, openSell: "0.00001")) == .position)
        // Over the limit (long 5 of 3), an order toward flat is allowed, one away from it is not.
        #expect(Self.code(sell, Self.context(position: 500_000)) == nil)
        #expect(
            Self.code(Fixtures.request(quantity: Fixtures.qty("0.1")), Self.context(position: 500_000)) == .position)
    }

    @Test("a market buy is valued at the top of the band for the balance check")
    func marketBuyBalance() {
        let buy = Fixtures.request(type: .market, price: nil, quantity: Fixtures.qty("1"))
        let mid = Fixtures.price("100.00")
        #expect(Self.code(buy, Self.context(mid: mid, quote: Price("110.00", exponent: -2))) == nil)
        #expect(Self.code(buy, Self.context(mid: mid, quote: Price("109.99", exponent: -2))) == .balance)
    }

    @Test("rules are checked in the documented order: the first failure is reported")
    func order() {
        // Breaks every rule at once: each fix reveals the next rule.
        let everything = Self.context(
            mid: Fixtures.price("50.00"), position: 300_000, quote: Price("0", exponent: 0),
            rate: .backingOff(untilNs: 1), breaker: .refused(retryAtNs: nil), halted: true)
        let offTickOffLot = Fixtures.request(
            price: Price("100.005", exponent: -3), quantity: Quantity("0.000001", exponent: -6))
        #expect(Self.code(offTickOffLot, everything) == .halted)
        var context = everything
        context.halted = false
        #expect(
            Self.code(Fixtures.request(price: nil, quantity: Quantity("0.000001", exponent: -6)), context) == .malformed
        )
        #expect(Self.code(offTickOffLot, context) == .tick)
        #expect(Self.code(Fixtures.request(quantity: Quantity("0.000001", exponent: -6)), context) == .lot)
        #expect(Self.code(Fixtures.request(quantity: Fixtures.qty("0.0001")), context) == .minQuantity)
        #expect(Self.code(Fixtures.request(quantity: Fixtures.qty("0.02")), context) == .notional)
        #expect(Self.code(Fixtures.request(), context) == .priceBand)
        context.mid = Fixtures.price("100.00")
        #expect(Self.code(Fixtures.request(), context) == .position)
        context.position = 0
        #expect(Self.code(Fixtures.request(), context) == .balance)
        context.availableQuote = nil
        #expect(Self.code(Fixtures.request(), context) == .rate)
        context.rate = .allowed
        #expect(Self.code(Fixtures.request(), context) == .breaker)
        context.breaker = .probe
        #expect(Self.code(Fixtures.request(), context) == nil)
    }

    @Test("rejection texts name the symbol and the values")
    func texts() {
        let tick = Self.validator.firstFailure(
            Fixtures.request(price: Price("100.005", exponent: -3)), context: Self.context())
        #expect(tick?.text == "BTCUSDT price 100.005 is not a multiple of the tick size 0.01")
        let band = Self.validator.firstFailure(
            Fixtures.request(price: Fixtures.price("111.00")), context: Self.context())
        #expect(band?.text == "BTCUSDT price 111.00 is more than 10% from the mid 100.005")
        #expect(band?.reason.code == 7)
    }
}

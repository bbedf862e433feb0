import EngineModel
import Matching
import Testing

@Suite("Order types and time in force")
struct TimeInForceTests {
    /// An engine with alice's asks 1 @ 100 and 1 @ 101, and bob funded.
    func engineWithAsks() throws -> MatchingEngine {
        var engine = Fixture.engine()
        engine.fund("alice")
        engine.fund("bob")
        _ = try engine.limit("alice", .sell, "100.00", "1")
        _ = try engine.limit("alice", .sell, "101.00", "1")
        return engine
    }

    @Test("IOC fills what it can at its limit and expires the rest")
    func ioc() throws {
        var engine = try engineWithAsks()
        let result = try engine.limit("bob", .buy, "100.00", "3", tif: .ioc)
        #expect(result.order.status == .expired)
        #expect(result.order.executedQty == Fixture.q("1"))
        let bob = result.events.reports.filter { $0.account == "bob" }
        #expect(bob.map(\.executionType) == [.new, .trade, .expired])
        #expect(try engine.book(symbol: Fixture.symbol).bestBid == nil)
        #expect(try engine.openOrders(account: "bob").isEmpty)
        #expect(engine.mantissas("bob", "USDT").locked == 0)
    }

    @Test("FOK that cannot fill completely expires without touching the book")
    func fokKill() throws {
        var engine = try engineWithAsks()
        let before = try engine.depth(symbol: Fixture.symbol)
        let result = try engine.limit("bob", .buy, "100.00", "1.5", tif: .fok)
        #expect(result.order.status == .expired && result.fills.isEmpty)
        #expect(result.events.reports.map(\.executionType) == [.new, .expired])
        #expect(result.events.depthUpdates.isEmpty && result.events.trades.isEmpty)
        #expect(try engine.depth(symbol: Fixture.symbol) == before)
        #expect(engine.mantissas("bob", "USDT") == (1_000_000_000_000_000, 0))
    }

    @Test("FOK that can fill completely fills across levels")
    func fokFill() throws {
        var engine = try engineWithAsks()
        let result = try engine.limit("bob", .buy, "101.00", "1.5", tif: .fok)
        #expect(result.order.status == .filled)
        #expect(result.fills.map(\.price) == [Fixture.p("100"), Fixture.p("101")])
    }

    @Test("GTC remainder rests on the book after a partial fill")
    func gtcRests() throws {
        var engine = try engineWithAsks()
        let result = try engine.limit("bob", .buy, "100.00", "1.5")
        #expect(result.order.status == .partiallyFilled && result.order.isWorking)
        #expect(result.events.reports.first?.order.isWorking == true)
        #expect(
            try engine.book(symbol: Fixture.symbol).bestBid
                == BookLevel(price: Fixture.p("100"), quantity: Fixture.q("0.5")))
    }

    @Test("LIMIT_MAKER is refused when it would take, rests otherwise")
    func limitMaker() throws {
        var engine = try engineWithAsks()
        expectVenueError(-2010, "Order would immediately match and take.") {
            _ = try engine.placeOrder(
                .limitMaker(Fixture.symbol, .buy, price: Fixture.p("100"), quantity: Fixture.q("1")), account: "bob",
                now: 2)
        }
        #expect(engine.mantissas("bob", "USDT").locked == 0)
        let resting = try engine.placeOrder(
            .limitMaker(Fixture.symbol, .buy, price: Fixture.p("99.99"), quantity: Fixture.q("1")), account: "bob",
            now: 2)
        #expect(resting.order.status == .new && resting.order.isWorking && resting.order.timeInForce == .gtc)
        #expect(resting.events.reports.map(\.executionType) == [.new])
    }

    @Test("MARKET by quantity sweeps and expires what the book cannot fill")
    func marketByQuantity() throws {
        var engine = try engineWithAsks()
        let result = try engine.placeOrder(
            .market(Fixture.symbol, .buy, quantity: Fixture.q("2.5")), account: "bob", now: 2)
        #expect(result.order.status == .expired)
        #expect(result.order.executedQty == Fixture.q("2"))
        #expect(result.order.cumulativeQuoteQty == Fixture.amount("201"))
        #expect(result.order.price == Fixture.p("0"))
        #expect(engine.mantissas("bob", "USDT") == (1_000_000_000_000_000 - 20_100_000_000, 0))
    }

    @Test("MARKET BUY by quoteOrderQty spends at most the amount, in whole steps")
    func marketBuyByQuote() throws {
        var engine = Fixture.engine()
        engine.fund("alice")
        engine.fund("bob")
        _ = try engine.limit("alice", .sell, "100.00", "0.5")
        _ = try engine.limit("alice", .sell, "101.00", "1")
        let result = try engine.placeOrder(
            .market(Fixture.symbol, .buy, quoteOrderQty: Fixture.amount("120")), account: "bob", now: 2)
        // 0.5 @ 100 = 50; the other 70 buy ⌊70 / 101⌋ = 0.69306 @ 101 = 69.99906.
        #expect(result.fills.map(\.quantity) == [Fixture.q("0.5"), Fixture.q("0.69306")])
        #expect(result.order.status == .filled)
        #expect(result.order.origQty == Fixture.q("1.19306"))
        #expect(result.order.origQuoteOrderQty == Fixture.amount("120"))
        #expect(result.order.cumulativeQuoteQty == Fixture.amount("119.99906"))
        #expect(engine.mantissas("bob", "USDT") == (1_000_000_000_000_000 - 11_999_906_000, 0))
    }

    @Test("MARKET SELL by quoteOrderQty receives at most the amount")
    func marketSellByQuote() throws {
        var engine = Fixture.engine()
        engine.fund("alice")
        engine.fund("bob")
        _ = try engine.limit("alice", .buy, "200.00", "1")
        let result = try engine.placeOrder(
            .market(Fixture.symbol, .sell, quoteOrderQty: Fixture.amount("50.001")), account: "bob", now: 2)
        #expect(result.order.executedQty == Fixture.q("0.25"))
        #expect(result.order.cumulativeQuoteQty == Fixture.amount("50"))
        #expect(engine.mantissas("bob", "BTC") == (10_000_000_000 - 25_000_000, 0))
    }

    @Test("MARKET by quoteOrderQty on an empty book is refused")
    func marketByQuoteEmptyBook() {
        var engine = Fixture.engine()
        engine.fund("bob")
        expectVenueError(-2010, "Order book liquidity is less than symbol minimum quantity.") {
            _ = try engine.placeOrder(
                .market(Fixture.symbol, .buy, quoteOrderQty: Fixture.amount("100")), account: "bob", now: 1)
        }
    }
}

import EngineModel
import Matching
import Testing

@Suite("Shadow mode (replayed book)")
struct ShadowModeTests {
    /// A shadow engine with a recorded book: bids 1 @ 99, asks 1 @ 100 and 2 @ 101.
    func replayEngine() throws -> MatchingEngine {
        var engine = Fixture.engine(mode: .shadow)
        engine.fund("user")
        let snapshot = DepthSnapshot(
            lastUpdateId: 1000,
            bids: [BookLevel(price: Fixture.p("99"), quantity: Fixture.q("1"))],
            asks: [
                BookLevel(price: Fixture.p("100"), quantity: Fixture.q("1")),
                BookLevel(price: Fixture.p("101"), quantity: Fixture.q("2")),
            ])
        #expect(try engine.loadReplaySnapshot(symbol: Fixture.symbol, snapshot, now: 0).isEmpty)
        return engine
    }

    @Test("User orders fill against displayed liquidity and leave the replayed book unchanged")
    func noMarketImpact() throws {
        var engine = try replayEngine()
        let before = try engine.depth(symbol: Fixture.symbol, limit: 100)
        let result = try engine.placeOrder(
            .market(Fixture.symbol, .buy, quantity: Fixture.q("1.5")), account: "user", now: 1)
        #expect(result.order.status == .filled)
        #expect(result.fills.map(\.price) == [Fixture.p("100"), Fixture.p("101")])
        #expect(result.fills.allSatisfy { $0.isShadow })
        #expect(result.events.reports.filter { $0.executionType == .trade }.allSatisfy { $0.isShadowFill })
        #expect(result.events.trades.isEmpty && result.events.depthUpdates.isEmpty)
        #expect(try engine.depth(symbol: Fixture.symbol, limit: 100) == before)
        #expect(engine.mantissas("user", "BTC").free == 10_150_000_000)

        // The same displayed liquidity is not filled twice: 1.5 is left at 101 only.
        let second = try engine.placeOrder(
            .market(Fixture.symbol, .buy, quantity: Fixture.q("2")), account: "user", now: 2)
        #expect(second.order.status == .expired && second.order.executedQty == Fixture.q("1.5"))
        #expect(second.fills.map(\.price) == [Fixture.p("101")])
        #expect(try engine.depth(symbol: Fixture.symbol, limit: 100) == before)
    }

    @Test("Recorded updates are published with the recording's ids and refresh liquidity")
    func replayUpdates() throws {
        var engine = try replayEngine()
        _ = try engine.placeOrder(.market(Fixture.symbol, .buy, quantity: Fixture.q("1")), account: "user", now: 1)
        let events = try engine.setLevel(
            symbol: Fixture.symbol, side: .sell, price: Fixture.p("100"), quantity: Fixture.q("0.4"), updateId: 1001,
            now: 2)
        let update = try #require(events.depthUpdates.first)
        #expect(update.firstUpdateId == 1001 && update.lastUpdateId == 1001)
        #expect(update.asks == [BookLevel(price: Fixture.p("100"), quantity: Fixture.q("0.4"))])
        #expect(events.tickers.first?.updateId == 1001)
        #expect(try engine.depth(symbol: Fixture.symbol).lastUpdateId == 1001)

        let fill = try engine.placeOrder(
            .market(Fixture.symbol, .buy, quantity: Fixture.q("0.4")), account: "user", now: 3)
        #expect(fill.fills.map(\.price) == [Fixture.p("100")])

        let batch = try engine.applyReplayUpdate(
            symbol: Fixture.symbol, bids: [BookLevel(price: Fixture.p("99"), quantity: Fixture.q("0"))],
            asks: [BookLevel(price: Fixture.p("100.5"), quantity: Fixture.q("3"))], firstUpdateId: 1002,
            lastUpdateId: 1005, now: 4)
        let diff = try #require(batch.depthUpdates.first)
        #expect(diff.firstUpdateId == 1002 && diff.lastUpdateId == 1005)
        let book = try engine.book(symbol: Fixture.symbol)
        #expect(book.bestBid == nil && book.bestAsk == BookLevel(price: Fixture.p("100"), quantity: Fixture.q("0.4")))
    }

    @Test("Resting user orders stay private and fill as makers when the replay crosses them")
    func restingOrdersCross() throws {
        var engine = try replayEngine()
        let bid = try engine.limit("user", .buy, "99.50", "1")
        #expect(bid.order.isWorking && bid.events.depthUpdates.isEmpty)
        #expect(try engine.book(symbol: Fixture.symbol).bestBid?.price == Fixture.p("99"))
        #expect(try engine.openOrders(account: "user", symbol: Fixture.symbol).count == 1)

        let events = try engine.setLevel(
            symbol: Fixture.symbol, side: .sell, price: Fixture.p("99.40"), quantity: Fixture.q("0.3"), updateId: 1001,
            now: 5)
        let report = try #require(events.reports.first)
        #expect(report.executionType == .trade && report.isMaker && report.isShadowFill)
        #expect(report.lastPrice == Fixture.p("99.50") && report.lastQty == Fixture.q("0.3"))
        #expect(report.order.status == .partiallyFilled)
        #expect(events.depthUpdates.first?.asks == [BookLevel(price: Fixture.p("99.40"), quantity: Fixture.q("0.3"))])
        // 1 × 99.50 locked, 0.3 × 99.50 paid, 0.7 × 99.50 still locked.
        #expect(engine.mantissas("user", "USDT") == (1_000_000_000_000_000 - 9_950_000_000, 6_965_000_000))

        let canceled = try engine.cancelOrder(
            symbol: Fixture.symbol, account: "user", order: .orderId(bid.order.orderId), now: 6)
        #expect(canceled.events.depthUpdates.isEmpty)
        #expect(engine.mantissas("user", "USDT") == (1_000_000_000_000_000 - 2_985_000_000, 0))
    }
}

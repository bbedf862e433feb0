import EngineModel
import Matching
import Testing

/// What simulation mode relies on when it loads the engine's live book as diffs: liquidity a user
/// took stays taken while the feed leaves its level alone, and comes back when the feed sets it.
@Suite("Shadow mode: taken liquidity across diffs")
struct ShadowConsumptionTests {
    @Test("A diff of other levels keeps a taken level taken; setting that level again refreshes it")
    func consumptionFollowsTheLevel() throws {
        var engine = Fixture.engine(mode: .shadow)
        engine.fund("user")
        _ = try engine.applyReplayUpdate(
            symbol: Fixture.symbol, bids: [BookLevel(price: Fixture.p("99"), quantity: Fixture.q("1"))],
            asks: [BookLevel(price: Fixture.p("100"), quantity: Fixture.q("1"))], firstUpdateId: 1, lastUpdateId: 1,
            now: 0)
        let first = try engine.limit("user", .buy, "100.00", "1", tif: .ioc, now: 1)
        #expect(first.order.status == .filled)

        // The bid moved, the ask did not: nothing is left to take at 100.
        _ = try engine.applyReplayUpdate(
            symbol: Fixture.symbol, bids: [BookLevel(price: Fixture.p("99.5"), quantity: Fixture.q("2"))], asks: [],
            firstUpdateId: 2, lastUpdateId: 2, now: 2)
        let second = try engine.limit("user", .buy, "100.00", "1", tif: .ioc, now: 3)
        #expect(second.order.status == .expired && second.fills.isEmpty)

        // The feed sets the ask again (even to the same quantity): fresh liquidity.
        _ = try engine.applyReplayUpdate(
            symbol: Fixture.symbol, bids: [], asks: [BookLevel(price: Fixture.p("100"), quantity: Fixture.q("1"))],
            firstUpdateId: 3, lastUpdateId: 3, now: 4)
        let third = try engine.limit("user", .buy, "100.00", "0.5", tif: .ioc, now: 5)
        #expect(third.order.status == .filled && third.fills.map(\.price) == [Fixture.p("100")])
    }
}

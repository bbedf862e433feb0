import EngineModel
import Matching
import Testing

@Suite("Balances and commission")
struct BalanceTests {
    /// 5 bp maker, 10 bp taker.
    static let schedule = CommissionSchedule(
        maker: CommissionRate(basisPoints: 5), taker: CommissionRate(mantissa: 1, exponent: -3))

    @Test("Locks on placement, moves on fills with commission in the received asset, unlocks on cancel")
    func lockFillUnlock() throws {
        var engine = Fixture.engine(commissions: Self.schedule)
        engine.fund("alice", btc: "1", usdt: "0")
        engine.fund("bob", btc: "0", usdt: "20000")

        let ask = try engine.limit("alice", .sell, "30000.00", "0.5")
        #expect(engine.mantissas("alice", "BTC") == (50_000_000, 50_000_000))
        let position = try #require(ask.events.positions.first)
        #expect(position.account == "alice" && position.balances.map(\.asset) == ["BTC", "USDT"])

        // Bob bids above the ask: locks ⌈30000.50 × 0.5⌉ = 15000.25, pays 15000.00.
        let result = try engine.limit("bob", .buy, "30000.50", "0.5")
        #expect(result.order.status == .filled)
        #expect(engine.mantissas("bob", "USDT") == (500_000_000_000, 0))
        #expect(engine.mantissas("bob", "BTC") == (49_950_000, 0))  // 0.5 − 0.1 % = 0.4995
        #expect(engine.mantissas("alice", "BTC") == (50_000_000, 0))
        #expect(engine.mantissas("alice", "USDT") == (1_499_250_000_000, 0))  // 15000 − 0.05 % = 14992.5
        #expect(engine.collectedFees("BTC").mantissa == 50_000)
        #expect(engine.collectedFees("USDT").mantissa == 750_000_000)

        let taker = try #require(result.events.reports.first { $0.account == "bob" && $0.executionType == .trade })
        #expect(taker.commission == Fixture.amount("0.0005") && taker.commissionAsset == "BTC" && !taker.isMaker)
        let maker = try #require(result.events.reports.first { $0.account == "alice" })
        #expect(maker.commission == Fixture.amount("7.5") && maker.commissionAsset == "USDT" && maker.isMaker)
        #expect(result.fills.first?.commission.mantissa == 50_000)
        let trades = try engine.myTrades(account: "alice", symbol: Fixture.symbol)
        #expect(
            trades.count == 1 && trades[0].isMaker && !trades[0].isBuyer
                && trades[0].quoteQuantity == Fixture.amount("15000"))

        // A resting bid partly filled, then canceled: everything it held comes back.
        let bid = try engine.limit("bob", .buy, "100.00", "2")
        #expect(engine.mantissas("bob", "USDT") == (500_000_000_000 - 20_000_000_000, 20_000_000_000))
        _ = try engine.limit("alice", .sell, "100.00", "0.5")
        #expect(engine.mantissas("bob", "USDT") == (480_000_000_000, 15_000_000_000))
        let canceled = try engine.cancelOrder(
            symbol: Fixture.symbol, account: "bob", order: .orderId(bid.order.orderId), now: 3)
        #expect(engine.mantissas("bob", "USDT") == (495_000_000_000, 0))
        let afterCancel = try #require(canceled.events.positions.first)
        #expect(afterCancel.balances.first { $0.asset == "USDT" }?.free == Fixture.amount("4950"))
        #expect(engine.balances(account: "bob").map(\.asset) == ["BTC", "USDT"])
    }

    @Test("Coarse quote balances: buys lock the ceiling, fills pay the floor, nothing is created or lost")
    func roundingConservesValue() throws {
        // USDT at 6 decimals while price × quantity has 7.
        var engine = Fixture.engine(commissions: Self.schedule, assetExponents: ["USDT": -6])
        _ = try engine.deposit(account: "alice", asset: "BTC", amount: Fixture.amount("1"), now: 0)
        _ = try engine.deposit(account: "bob", asset: "USDT", amount: Quantity("1000", exponent: -6), now: 0)
        _ = try engine.limit("alice", .sell, "33333.33", "0.00031")
        let bid = try engine.limit("bob", .buy, "33333.33", "0.00033")
        // Locked ⌈33333.33 × 0.00033 = 10.9999989⌉ = 10.999999; the fill pays
        // ⌊33333.33 × 0.00031 = 10.3333323⌋ = 10.333332; the resting 0.00002 keeps
        // ⌈0.6666666⌉ = 0.666667 locked.
        #expect(bid.fills.first?.quoteQuantity == Quantity("10.333332", exponent: -6))
        #expect(engine.mantissas("bob", "USDT") == (1_000_000_000 - 10_999_999, 666_667))
        #expect(engine.mantissas("bob", "BTC") == (31_000 - 31, 0))  // 10 bp of 0.00031 BTC
        // Alice receives 10.333332 minus ⌈5 bp⌉ = 0.005167.
        #expect(engine.mantissas("alice", "USDT") == (10_333_332 - 5_167, 0))
        let total = ["alice", "bob"].reduce(Int64(0)) { sum, account in
            let (free, locked) = engine.mantissas(AccountID(account), "USDT")
            return sum + free + locked
        }
        #expect(total + engine.collectedFees("USDT").mantissa == 1_000_000_000)
    }

    @Test("Per-account commission overrides")
    func overrides() throws {
        var engine = Fixture.engine(commissions: Self.schedule)
        engine.setCommission(.free, for: "vip")
        engine.fund("vip")
        engine.fund("alice")
        _ = try engine.limit("alice", .sell, "100.00", "1")
        let result = try engine.limit("vip", .buy, "100.00", "1")
        #expect(result.fills.first?.commission.mantissa == 0)
        #expect(engine.mantissas("vip", "BTC").free == 10_100_000_000)
    }
}

import EngineModel
import Matching
import Testing

@Suite("Depth snapshot and diff updates")
struct DepthStreamTests {
    @Test("Snapshot + diffs reproduce the engine's book, with contiguous update ids")
    func snapshotPlusDiffs() throws {
        var engine = Fixture.engine(commissions: .standard)
        var participant = LiquidityParticipant(
            configuration: .init(symbol: Fixture.symbol, initialMid: Fixture.p("100")), seed: 7)
        _ = try participant.fund(&engine, now: 0)
        engine.fund("user")
        for step in 0..<300 { _ = participant.step(&engine, now: Int64(step)) }

        var local = LocalBook(try engine.depth(symbol: Fixture.symbol, limit: 5000))
        var lastTicker: BookTicker?
        var updates = 0
        for step in 300..<1500 {
            var events = participant.step(&engine, now: Int64(step))
            if step % 7 == 0 {
                let side: Side = step % 2 == 0 ? .buy : .sell
                let price = side == .buy ? "99.95" : "100.05"
                events +=
                    (try? engine.limit("user", side, price, "0.07", tif: step % 3 == 0 ? .ioc : .gtc).events) ?? []
            }
            for event in events {
                switch event {
                case .depth(let update):
                    #expect(update.firstUpdateId == local.lastUpdateId + 1)
                    let applied = local.apply(update)
                    #expect(applied)
                    updates += 1
                case .bookTicker(let ticker):
                    #expect(ticker.updateId == local.lastUpdateId)
                    lastTicker = ticker
                default:
                    break
                }
            }
            #expect(!(try engine.book(symbol: Fixture.symbol).isCrossed))
        }
        #expect(updates > 500)

        let book = try engine.book(symbol: Fixture.symbol)
        #expect(local.lastUpdateId == book.lastUpdateId)
        #expect(local == LocalBook(book.depth(limit: 5000)))
        #expect(local.bids.count == book.levelCount(.buy) && local.asks.count == book.levelCount(.sell))
        let ticker = try #require(lastTicker)
        #expect(ticker.bestBid == book.bestBid && ticker.bestAsk == book.bestAsk)
        #expect(try engine.bookTicker(symbol: Fixture.symbol).bestBid == book.bestBid)

        // Nothing was created or lost: balances plus commission equal the deposits, and once
        // every order is canceled nothing stays locked.
        for account: AccountID in ["participant", "user"] {
            _ = try? engine.cancelAllOrders(symbol: Fixture.symbol, account: account, now: 2000)
        }
        for (asset, deposited) in [
            ("BTC", Int64.max / 8 + 10_000_000_000), ("USDT", Int64.max / 8 + 1_000_000_000_000_000),
        ] {
            let held = ["participant", "user"].map { engine.balance(account: AccountID($0), asset: asset) }
            #expect(held.allSatisfy { $0.locked.isZero })
            let total = held.reduce(engine.collectedFees(asset).mantissa) { $0 + $1.free.mantissa }
            #expect(total == deposited)
        }
    }

    @Test("Levels are ordered best first and limited")
    func snapshotShape() throws {
        var engine = Fixture.engine()
        engine.fund("alice")
        for i in 1...30 {
            _ = try engine.limit("alice", .buy, "\(100 - i).00", "1")
            _ = try engine.limit("alice", .sell, "\(100 + i).00", "1")
        }
        let depth = try engine.depth(symbol: Fixture.symbol, limit: 5)
        #expect(depth.bids.map(\.price) == ["99", "98", "97", "96", "95"].map(Fixture.p))
        #expect(depth.asks.map(\.price) == ["101", "102", "103", "104", "105"].map(Fixture.p))
        #expect(depth.lastUpdateId == 60)
    }

    @Test("Thousands of levels stay fast and consistent")
    func manyLevels() throws {
        var engine = Fixture.engine()
        engine.fund("alice", btc: "100000", usdt: "100000000")
        engine.fund("bob", btc: "100000", usdt: "100000000")
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            for i in 0..<5000 {
                // Interleave far and near prices so inserts land all over the array.
                let ticks = (i * 7919) % 5000 + 1
                let price = Price(mantissa: 1_000_000 + Int64(ticks), exponent: -2)
                _ = try engine.placeOrder(
                    .limit(Fixture.symbol, .sell, price: price, quantity: Fixture.q("0.01")), account: "alice", now: 1)
            }
            let sweep = try engine.placeOrder(
                .market(Fixture.symbol, .buy, quantity: Fixture.q("30")), account: "bob", now: 2)
            #expect(sweep.fills.count == 3000)
            #expect(sweep.events.depthUpdates.first?.asks.count == 3000)
        }
        let book = try engine.book(symbol: Fixture.symbol)
        #expect(book.levelCount(.sell) == 2000)
        #expect(book.bestAsk?.price == Price(mantissa: 1_003_001, exponent: -2))
        #expect(elapsed < .seconds(20))
    }
}

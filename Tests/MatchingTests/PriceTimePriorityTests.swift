import EngineModel
import Matching
import Testing

@Suite("Price-time priority")
struct PriceTimePriorityTests {
    @Test("Two makers at one price fill in arrival order")
    func fifoWithinLevel() throws {
        var engine = Fixture.engine()
        for account: AccountID in ["alice", "bob", "carol"] { engine.fund(account) }
        let first = try engine.limit("alice", .sell, "100.00", "1")
        let second = try engine.limit("bob", .sell, "100.00", "1")
        #expect(first.order.orderId == 1 && second.order.orderId == 2)
        #expect(try engine.book(symbol: Fixture.symbol).orderIds(.sell, at: Fixture.p("100")) == [1, 2])

        let taker = try engine.limit("carol", .buy, "100.00", "1.5")
        #expect(taker.order.status == .filled)
        #expect(taker.fills.map(\.quantity) == [Fixture.q("1"), Fixture.q("0.5")])
        let makers = taker.events.reports.filter(\.isMaker)
        #expect(makers.map(\.account) == ["alice", "bob"])
        #expect(makers.map(\.order.status) == [.filled, .partiallyFilled])

        let book = try engine.book(symbol: Fixture.symbol)
        #expect(book.orderIds(.sell, at: Fixture.p("100")) == [2])
        #expect(book.quantity(.sell, at: Fixture.p("100")) == Fixture.q("0.5"))
        #expect(try engine.order(symbol: Fixture.symbol, account: "bob", .orderId(2)).executedQty == Fixture.q("0.5"))
    }

    @Test("A better price fills first even when it arrived later")
    func pricePriority() throws {
        var engine = Fixture.engine()
        for account: AccountID in ["alice", "bob", "carol"] { engine.fund(account) }
        _ = try engine.limit("alice", .buy, "99.00", "1")
        _ = try engine.limit("bob", .buy, "99.50", "1")
        let taker = try engine.limit("carol", .sell, "98.00", "1.5")
        #expect(taker.fills.map(\.price) == [Fixture.p("99.50"), Fixture.p("99.00")])
        #expect(taker.events.trades.map(\.isBuyerMaker) == [true, true])
        #expect(
            try engine.book(symbol: Fixture.symbol).bestBid
                == BookLevel(price: Fixture.p("99"), quantity: Fixture.q("0.5")))
    }

    @Test("Partial fills across levels: cumulative quantities and exact average price")
    func sweepAcrossLevels() throws {
        var engine = Fixture.engine()
        engine.fund("maker")
        engine.fund("taker")
        _ = try engine.limit("maker", .sell, "100.00", "0.5")
        _ = try engine.limit("maker", .sell, "101.00", "1")
        _ = try engine.limit("maker", .sell, "102.00", "2")
        let result = try engine.limit("taker", .buy, "102.00", "1.8")

        #expect(result.fills.map(\.price) == [Fixture.p("100"), Fixture.p("101"), Fixture.p("102")])
        #expect(result.fills.map(\.quantity) == [Fixture.q("0.5"), Fixture.q("1"), Fixture.q("0.3")])
        // 50 + 101 + 30.6 = 181.6 USDT; 181.6 / 1.8 = 100.888…
        #expect(result.order.executedQty.mantissa == 180_000)
        #expect(result.order.cumulativeQuoteQty == Fixture.amount("181.6"))
        #expect(result.order.cumulativeQuoteQty.mantissa == 18_160_000_000)
        #expect(result.order.averagePrice(exponent: -4) == Price("100.8888", exponent: -4))
        let trades = result.events.reports.filter { $0.account == "taker" && $0.executionType == .trade }
        #expect(trades.map(\.order.executedQty) == [Fixture.q("0.5"), Fixture.q("1.5"), Fixture.q("1.8")])
        #expect(trades.map(\.order.cumulativeQuoteQty) == ["50", "151", "181.6"].map(Fixture.amount))
        #expect(trades.map(\.lastQuoteQty) == ["50", "101", "30.6"].map(Fixture.amount))
        #expect(
            try engine.book(symbol: Fixture.symbol).bestAsk
                == BookLevel(price: Fixture.p("102"), quantity: Fixture.q("1.7")))
    }

    @Test("A taker sweeping two makers: events in venue order")
    func eventOrderForSweep() throws {
        var engine = Fixture.engine()
        for account: AccountID in ["alice", "bob", "carol"] { engine.fund(account) }
        _ = try engine.limit("alice", .sell, "100.00", "1")
        _ = try engine.limit("bob", .sell, "101.00", "1")
        let before = try engine.depth(symbol: Fixture.symbol).lastUpdateId
        let events = try engine.limit("carol", .buy, "101.00", "2", clientOrderId: "sweep-1").events

        let kinds = events.map { event -> String in
            switch event {
            case .execution(let r): "\(r.account):\(r.executionType.rawValue)"
            case .accountPosition(let p): "position:\(p.account)"
            case .balanceUpdate: "balance"
            case .trade(let t): "trade:\(t.tradeId)"
            case .depth: "depth"
            case .bookTicker: "ticker"
            }
        }
        #expect(
            kinds == [
                "carol:NEW", "carol:TRADE", "alice:TRADE", "carol:TRADE", "bob:TRADE",
                "position:carol", "position:alice", "position:bob", "trade:1", "trade:2", "depth", "ticker",
            ])
        let reports = events.reports
        #expect(reports[0].clientOrderId == "sweep-1" && reports[0].tradeId == -1 && !reports[0].order.isWorking)
        #expect(reports.map(\.order.status) == [.new, .partiallyFilled, .filled, .filled, .filled])
        #expect(reports.map(\.isMaker) == [false, false, true, false, true])
        #expect(reports.map(\.tradeId) == [-1, 1, 1, 2, 2])
        #expect(reports.map(\.lastPrice) == ["0", "100", "100", "101", "101"].map(Fixture.p))
        let ids = reports.map(\.executionId)
        #expect(ids == ids.sorted() && Set(ids).count == ids.count)

        let depth = try #require(events.depthUpdates.first)
        #expect(depth.firstUpdateId == before + 1 && depth.lastUpdateId == before + 2)
        #expect(depth.bids.isEmpty)
        #expect(
            depth.asks == [
                BookLevel(price: Fixture.p("100"), quantity: Fixture.q("0")),
                BookLevel(price: Fixture.p("101"), quantity: Fixture.q("0")),
            ])
        let ticker = try #require(events.tickers.first)
        #expect(ticker.updateId == depth.lastUpdateId && ticker.bestAsk == nil)
        #expect(events.trades.map(\.buyerOrderId) == [3, 3])
        #expect(events.trades.map(\.sellerOrderId) == [1, 2])
    }

    @Test("Generated client order ids look like Binance's and never repeat")
    func generatedClientOrderIds() throws {
        var engine = Fixture.engine()
        engine.fund("alice")
        var seen: Set<String> = []
        for i in 0..<200 {
            let id = try engine.limit("alice", .buy, "10.00", "1", now: Int64(i)).order.clientOrderId
            #expect(id.count == 22 && id.allSatisfy { $0.isLetter || $0.isNumber })
            seen.insert(id)
        }
        #expect(seen.count == 200)
    }
}

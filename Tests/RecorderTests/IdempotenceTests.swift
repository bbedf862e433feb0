import Account
import EngineModel
import Testing

@testable import Recorder

@Suite("Recorder idempotence and queries")
struct IdempotenceTests {
    @Test("the same fill written twice is stored once")
    func fillOnce() throws {
        try withStore { store, _ in
            let fill = makeFill(tradeId: 42)
            try store.write(RecorderBatch(items: [.fill(fill), .fill(fill)]))
            try store.write(RecorderBatch(items: [.fill(fill)]))
            #expect(try store.fills(since: nil, symbol: nil) == [fill])
            #expect(try store.fillKeys() == ["sim:42"])
            // Another venue's trade 42 is another fill.
            try store.write(RecorderBatch(items: [.fill(makeFill(tradeId: 42, venue: "binance"))]))
            #expect(try store.fillKeys() == ["sim:42", "binance:42"])
        }
    }

    @Test("postings are idempotent by (transaction, account, asset) and keep insertion order")
    func postingsOnce() throws {
        try withStore { store, _ in
            let first = makePostings("t2", amount: 500)
            let second = makePostings("t1", amount: 700)
            try store.write(RecorderBatch(items: [.postings(first), .postings(second)]))
            try store.write(RecorderBatch(items: [.postings(first)]))
            #expect(try store.postings() == first + second)
        }
    }

    @Test("orders are upserted by client order id; an older journal record never rolls one back")
    func ordersUpsert() throws {
        try withStore { store, _ in
            try store.write(
                RecorderBatch(items: [
                    .order(makeOrder("a", status: "new", filled: 0, seq: 1), ns: 1),
                    .order(makeOrder("b", status: "new", filled: 0, seq: 2, symbol: "ETHUSDT"), ns: 2),
                    .order(makeOrder("a", status: "partially_filled", filled: 400, seq: 3), ns: 3),
                ]))
            try store.write(
                RecorderBatch(items: [.order(makeOrder("a", status: "filled", filled: 1_000, seq: 5), ns: 5)]))
            // A replay of an earlier record arrives late.
            try store.write(RecorderBatch(items: [.order(makeOrder("a", status: "new", filled: 0, seq: 1), ns: 6)]))
            let orders = try store.orders(symbol: nil, limit: 10)
            #expect(orders.map(\.clientOrderId) == ["a", "b"])
            #expect(orders[0] == makeOrder("a", status: "filled", filled: 1_000, seq: 5))
            #expect(try store.orders(symbol: "ETHUSDT", limit: 10).map(\.clientOrderId) == ["b"])
            #expect(try store.orders(symbol: nil, limit: 1).count == 1)
        }
    }

    @Test("journal marks keep the highest seq per generation")
    func journalMarks() throws {
        try withStore { store, _ in
            try store.write(
                RecorderBatch(items: [.journalMark(generation: 1, seq: 10), .journalMark(generation: 1, seq: 4)]))
            try store.write(
                RecorderBatch(items: [.journalMark(generation: 1, seq: 7), .journalMark(generation: 2, seq: 3)]))
            try store.write(RecorderBatch(items: [.journalMark(generation: UInt64.max, seq: 12)]))
            #expect(try store.journalMark(generation: 1) == 10)
            #expect(try store.journalMark(generation: 2) == 3)
            #expect(try store.journalMark(generation: UInt64.max) == 12)
            #expect(try store.journalMark(generation: 3) == nil)
        }
    }

    @Test("fills(since:symbol:) filters and orders by venue time, then trade id")
    func fillsFilter() throws {
        try withStore { store, _ in
            let fills = [
                makeFill(tradeId: 5, ns: 300), makeFill(tradeId: 2, ns: 100), makeFill(tradeId: 1, ns: 300),
                makeFill(tradeId: 9, symbol: "ETHUSDT", ns: 200), makeFill(tradeId: UInt64(Int64.max), ns: 400),
            ]
            try store.write(RecorderBatch(items: fills.map { .fill($0) }))
            #expect(try store.fills(since: nil, symbol: nil).map(\.tradeId) == [2, 9, 1, 5, UInt64(Int64.max)])
            #expect(try store.fills(since: 200, symbol: nil).map(\.tradeId) == [9, 1, 5, UInt64(Int64.max)])
            #expect(try store.fills(since: 150, symbol: "BTCUSDT").map(\.tradeId) == [1, 5, UInt64(Int64.max)])
            #expect(try store.fills(since: nil, symbol: "ETHUSDT").map(\.tradeId) == [9])
            #expect(try store.fills(since: 500, symbol: nil).isEmpty)
        }
    }

    @Test("latest balances and positions, reports and alerts round-trip")
    func snapshotsReportsAlerts() throws {
        try withStore { store, _ in
            let usdt = BalanceEntry(
                asset: "USDT", total: Amount(e8: 100), available: Amount(e8: 90), source: .stream, updatedNs: 1)
            let btc = BalanceEntry(
                asset: "BTC", total: Amount(e8: 5), available: Amount(e8: 5), source: .local, updatedNs: 1)
            var newer = usdt
            newer.total = Amount(e8: 120)
            var position = PositionEntry(
                key: PositionKey(strategyId: 3, symbol: "BTCUSDT"), market: .usdm,
                size: SignedSize(mantissa: -150, exponent: -5))
            position.entryPrice = Amount(e8: 6_400_000_000_000)
            position.realizedPnl = Amount(e8: -12)
            position.leverage = 5
            var moved = position
            moved.size = SignedSize(mantissa: 0, exponent: -5)
            moved.entryPrice = nil
            let report = ReconciliationReport(
                timestamp: 9, positionsChecked: 1, balancesChecked: 2, ordersChecked: 3, tradesChecked: 4,
                missingFills: 1,
                discrepancies: [
                    Discrepancy(
                        kind: "balance", symbol: "USDT", localSize: Amount(e8: 1), exchangeSize: Amount(e8: 2),
                        differenceBps: 10_000, detail: "off by one")
                ], exceededThreshold: true, durationNs: 55)
            let alert = Alert(
                id: "a1", severity: .critical, category: .risk, rule: "daily_drawdown", message: "drawdown, \"big\"",
                timestamp: 9)
            var acknowledged = alert
            acknowledged.acknowledged = true
            try store.write(
                RecorderBatch(items: [
                    .balances([usdt, btc], ns: 1), .positions([position], ns: 1), .report(report), .alert(alert),
                ]))
            try store.write(
                RecorderBatch(items: [.balances([newer], ns: 2), .positions([moved], ns: 2), .alert(acknowledged)]))
            #expect(try store.latestBalances() == [btc, newer])
            #expect(try store.latestPositions() == [moved])
            #expect(try store.reports(limit: 5) == [report])
            #expect(try store.alerts(limit: 5) == [acknowledged])
        }
    }
}

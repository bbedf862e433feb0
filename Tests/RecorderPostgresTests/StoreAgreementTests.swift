import Account
import EngineModel
import Testing

@testable import Recorder
@testable import RecorderPostgres

/// The same batches written to the SQLite store and to PostgreSQL give equal answers to every query.
@Suite("PostgresRecorder agrees with SQLiteRecorder", .serialized, serverAvailable)
struct StoreAgreementTests {
    /// Orders, fills (ties on time, venues that sort differently by locale), postings, snapshots,
    /// reports, alerts, ticks across a block boundary, bars, and journal marks.
    static let batch1 = RecorderBatch(items: accountItems + btcTicks + ethTicks)

    static let accountItems: [RecorderItem] = [
        .order(makeOrder("o1", status: "new", filled: 0, seq: 1), ns: 1),
        .order(makeOrder("o2", status: "new", filled: 0, seq: 2, symbol: "ETHUSDT"), ns: 2),
        .fill(makeFill(tradeId: 1, ns: 1_000)),
        .fill(makeFill(tradeId: 5, venue: "sim", ns: 2_000)),
        .fill(makeFill(tradeId: 5, venue: "Sim", ns: 2_000)),
        .fill(makeFill(tradeId: 5, venue: "binance", ns: 2_000)),
        .fill(makeFill(tradeId: 4, symbol: "ETHUSDT", ns: 2_000)),
        .fill(makeFill(tradeId: UInt64.max, symbol: "BTCPERP", ns: 3_000)),
        .postings(makePostings("t1", amount: 6_400)),
        .postings(makePostings("t2", amount: 12)),
        .balances([balance("USDT", 100, 90, .stream, 10), balance("BTC", 7, 7, .local, 10)], ns: 10),
        .positions(
            [
                makePosition("BTCUSDT", strategy: 3, size: 5, ns: 10),
                makePosition("BTCUSDT", strategy: 1, size: -2, ns: 10),
                makePosition("ETHUSDT", strategy: 3, size: 0, ns: 10),
            ], ns: 10),
        .report(makeReport(100, mismatches: 2)),
        .alert(Alert(id: "a1", severity: .warning, category: .risk, rule: "r1", message: "m1", timestamp: 50)),
        .alert(Alert(id: "a2", severity: .critical, category: .system, rule: "r2", message: "m2", timestamp: 60)),
        .journalMark(generation: 1, seq: 10),
    ]

    /// 600 BTCUSDT ticks over 3 s, a BBO every third: more than one block.
    static let btcTicks: [RecorderItem] = (0..<600).map { (index: Int) -> RecorderItem in
        let step = Int64(index)
        let ns = 10 * second + step * 5_000_000
        return .tick(index % 3 == 2 ? bbo(ns, 6_400_000 + step) : trade(ns, 6_400_000 - step, 7))
    }

    /// ETHUSDT trades at another price exponent.
    static let ethTicks: [RecorderItem] = (0..<5).map { (index: Int) -> RecorderItem in
        let step = Int64(index)
        return .tick(trade(10 * second + step, 3_000_000 + step, 2, symbol: "ETHUSDT", exponent: -3))
    }

    static func balance(_ asset: String, _ total: Int64, _ available: Int64, _ source: BalanceSource, _ ns: Int64)
        -> BalanceEntry
    {
        BalanceEntry(
            asset: asset, total: Amount(e8: total), available: Amount(e8: available), source: source, updatedNs: ns)
    }

    /// Replays (a fill, postings, an older order state, a lower journal mark) and updates.
    static let batch2 = RecorderBatch(items: [
        .order(makeOrder("o1", status: "filled", filled: 1_000, seq: 5), ns: 3),
        .order(makeOrder("o2", status: "canceled", filled: 0, seq: 1, symbol: "ETHUSDT"), ns: 4),
        .fill(makeFill(tradeId: 1, ns: 1_000)),
        .fill(makeFill(tradeId: 7, ns: 4_000)),
        .postings(makePostings("t1", amount: 6_400)),
        .postings(makePostings("t3", amount: 1)),
        .balances([balance("USDT", 80, 80, .reconciliation, 20)], ns: 20),
        .positions([makePosition("BTCUSDT", strategy: 3, size: 9, ns: 20)], ns: 20),
        .report(makeReport(200, mismatches: 0)),
        .report(makeReport(150, mismatches: 1)),
        .alert(
            Alert(
                id: "a1", severity: .warning, category: .risk, rule: "r1", message: "m1'", timestamp: 50,
                acknowledged: true)),
        .alert(Alert(id: "a3", severity: .info, category: .pnl, rule: "r3", message: "m3", timestamp: 60)),
        .tick(trade(10 * second + 1, 6_500_000, 1)),  // late: an earlier second's bar, already stored
        .tick(trade(130 * second, 6_300_000, 1_000)),
        .tick(trade(130 * second, 63_010_000, 9, exponent: -3)),
        .journalMark(generation: 1, seq: 7),
        .journalMark(generation: 2, seq: UInt64.max),
    ])

    /// A batch that fails (a bar's volume overflows): neither store keeps any of it.
    static let failing = RecorderBatch(items: [
        .fill(makeFill(tradeId: 99, ns: 9_000)),
        .tick(trade(200 * second, 100, Int64.max / 2 + 1)),
        .tick(trade(200 * second + 1, 100, Int64.max / 2 + 1)),
    ])

    /// Written after both stores are reopened (their in-memory block and bar state starts over).
    static let batch3 = RecorderBatch(items: [
        .tick(trade(130 * second + 5, 6_200_000, 3)),
        .tick(bbo(131 * second, 6_200_000)),
        .tick(trade(11 * second, 6_100_000, 1)),
        .journalMark(generation: 1, seq: 12),
    ])

    @Test("every query answers the same after the same writes, replays and a rolled-back batch")
    func sameAnswers() throws {
        try withDatabase { url, _ in
            try withSQLite { sqlite in
                let postgres = try PostgresRecorder(url: url)
                for batch in [Self.batch1, Self.batch2] {
                    try sqlite.write(batch)
                    try postgres.write(batch)
                }
                #expect(throws: RecorderError.self) { try sqlite.write(Self.failing) }
                #expect(throws: RecorderError.self) { try postgres.write(Self.failing) }
                try expectSameAnswers(sqlite, postgres)

                let reopenedSQLite = try SQLiteRecorder(path: sqlite.path)
                let reopenedPostgres = try PostgresRecorder(url: url)
                try reopenedSQLite.write(Self.batch3)
                try reopenedPostgres.write(Self.batch3)
                try expectSameAnswers(reopenedSQLite, reopenedPostgres)
                #expect(try reopenedPostgres.fills(since: nil, symbol: nil).count == 7)
                #expect(try reopenedPostgres.ticks(symbol: "BTCUSDT", since: nil).count == 606)
                #expect(try reopenedPostgres.journalMark(generation: 1) == 12)
            }
        }
    }

    /// Compares every query of the protocol, with and without its filters.
    private func expectSameAnswers(_ a: SQLiteRecorder, _ b: PostgresRecorder) throws {
        for (since, symbol) in [(nil, nil), (2_000, nil), (nil, "ETHUSDT"), (2_001, "BTCUSDT")] as [(Int64?, String?)] {
            #expect(try a.fills(since: since, symbol: symbol) == b.fills(since: since, symbol: symbol))
        }
        #expect(try a.fillKeys() == b.fillKeys())
        for (symbol, limit) in [(nil, 10), ("BTCUSDT", 1), ("ETHUSDT", 5), (nil, 0), (nil, -1)] as [(String?, Int)] {
            #expect(try a.orders(symbol: symbol, limit: limit) == b.orders(symbol: symbol, limit: limit))
        }
        #expect(try a.postings() == b.postings())
        for limit in [0, 2, 10] {
            #expect(try a.alerts(limit: limit) == b.alerts(limit: limit))
            #expect(try a.reports(limit: limit) == b.reports(limit: limit))
        }
        #expect(try a.latestBalances() == b.latestBalances())
        #expect(try a.latestPositions() == b.latestPositions())
        for generation: UInt64 in [1, 2, 3] {
            #expect(try a.journalMark(generation: generation) == b.journalMark(generation: generation))
        }
        for symbol in ["BTCUSDT", "ETHUSDT", "NONE"] {
            for interval in [1, 60] {
                for (since, limit) in [(nil, 100), (nil, 2), (11 * second, 2), (0, 1_000)] as [(Int64?, Int)] {
                    let expected = try a.bars(symbol: symbol, intervalSeconds: interval, since: since, limit: limit)
                    #expect(
                        try b.bars(symbol: symbol, intervalSeconds: interval, since: since, limit: limit) == expected)
                }
            }
            for since in [nil, 12 * second + 1, 130 * second] as [Int64?] {
                #expect(try a.ticks(symbol: symbol, since: since) == b.ticks(symbol: symbol, since: since))
            }
        }
        #expect(try !b.bars(symbol: "BTCUSDT", intervalSeconds: 1, since: nil, limit: 100).isEmpty)
        #expect(try b.schemaVersion == a.schemaVersion)
    }
}

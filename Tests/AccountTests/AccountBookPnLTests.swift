import Account
import EngineModel
import Testing

@Suite struct AccountBookPnLTests {
    typealias F = BookFixture

    /// 2024-01-01 00:00:00 UTC, in ns.
    static let newYear: Int64 = 1_704_067_200 * 1_000_000_000
    static let hour: Int64 = 3_600 * 1_000_000_000

    @Test func dailyPnlResetsAtMidnightUTC() {
        var book = AccountBook(settings: F.settings)
        let evening = Self.newYear + 22 * Self.hour
        _ = book.apply(.fill(F.fill(1, .buy, "1", at: "100", ns: evening)))
        _ = book.apply(F.mark("BTCUSDT", "110", ns: evening + Self.hour))
        #expect(book.pnl.dailyPnl == F.amount("10"))
        // The clock passes midnight: the day's PnL starts again from the total (10).
        let midnight = Self.newYear + 24 * Self.hour
        let changes = book.apply(.clock(ns: midnight))
        #expect(book.pnl.dailyPnl == .zero && book.pnl.totalPnl == F.amount("10"))
        #expect(changes == [.pnl(book.pnl)])
        #expect(book.apply(.clock(ns: midnight + Self.hour)).isEmpty)
        _ = book.apply(F.mark("BTCUSDT", "105", ns: midnight + 2 * Self.hour))
        #expect(book.pnl.dailyPnl == F.amount("-5") && book.pnlByStrategy[1]?.dailyPnl == F.amount("-5"))
        // A late event stamped yesterday does not take the day back.
        _ = book.apply(F.mark("BTCUSDT", "107", ns: evening))
        #expect(book.pnl.dailyPnl == F.amount("-3"))
    }

    @Test func winRateCountsClosingFills() {
        var book = AccountBook(settings: F.settings)
        _ = book.apply(.fill(F.fill(1, .buy, "0.004", at: "100")))
        #expect(book.pnl.winRateBps == nil)
        _ = book.apply(.fill(F.fill(2, .sell, "0.001", at: "110")))  // win
        _ = book.apply(.fill(F.fill(3, .sell, "0.001", at: "90")))  // loss
        _ = book.apply(.fill(F.fill(4, .buy, "0.001", at: "95")))  // increases: not a closing fill
        _ = book.apply(.fill(F.fill(5, .sell, "0.001", at: "120")))  // win
        #expect(book.pnl.closingTrades == 3 && book.pnl.winningTrades == 2)
        #expect(book.pnl.winRateBps == 6_667)
    }

    /// Total PnL 0 → 10 → 5 → 20 → −10 → 0: the deepest fall is 30, from the peak 20; with an
    /// equity base of 1000 USDT that is 30 / 1020 = 294 bps.
    @Test func maxDrawdownOnASequence() {
        var book = AccountBook(settings: F.settings)
        _ = book.apply(
            .balance(
                BalanceUpdate(
                    asset: "USDT", free: F.amount("900"), locked: F.amount("100"), source: .stream, venueNs: 1)))
        #expect(book.equityBase == F.amount("1000"))
        _ = book.apply(.fill(F.fill(1, .buy, "1", at: "100")))
        var totals: [Amount] = []
        for mark in ["110", "105", "120", "90", "100"] {
            _ = book.apply(F.mark("BTCUSDT", mark))
            totals.append(book.pnl.totalPnl)
        }
        #expect(totals == ["10", "5", "20", "-10", "0"].map(F.amount))
        #expect(book.pnl.maxDrawdown == F.amount("30"))
        #expect(book.pnl.maxDrawdownBps == 294)
        // A later balance does not move the base.
        _ = book.apply(
            .balance(BalanceUpdate(asset: "USDT", free: F.amount("5"), locked: .zero, source: .stream, venueNs: 2)))
        #expect(book.equityBase == F.amount("1000") && book.pnl.maxDrawdownBps == 294)
    }

    @Test func drawdownPercentUnknownWithoutEquityBase() {
        var book = AccountBook(settings: F.settings)
        _ = book.apply(.fill(F.fill(1, .buy, "1", at: "100", fee: "1")))
        #expect(book.pnl.maxDrawdown == F.amount("1") && book.pnl.maxDrawdownBps == nil)
    }

    @Test func versionJournalSeqAndTime() {
        var book = AccountBook(settings: F.settings)
        #expect(book.snapshot().version == 0)
        _ = book.apply(.fill(F.fill(1, .buy, "1", at: "100", ns: 50)), seq: 3)
        _ = book.apply(F.mark("ETHUSDT", "1", ns: 60), seq: 4)  // no ETH position: nothing changes
        let snapshot = book.snapshot()
        #expect(snapshot.version == 1 && snapshot.journalSeq == 3 && snapshot.updatedNs == 50)
        #expect(book.mark(of: "ETHUSDT") == F.price("1"))
        _ = book.apply(F.mark("BTCUSDT", "101", ns: 70), seq: 9)
        #expect(book.snapshot().version == 2 && book.snapshot().journalSeq == 9 && book.snapshot().updatedNs == 70)
        #expect(book.snapshot().pnl == book.pnl && book.snapshot().pnlByStrategy == book.pnlByStrategy)
    }
}

import Account
import EngineModel
import Testing

/// Fills and figures for ledger tests: BTCUSDT spot (BTC/USDT) and BTCUSDT USD-M, prices at 10⁻²,
/// quantities at 10⁻⁵.
enum LedgerFixture {
    static func amount(_ text: String) -> Amount { Amount(parsing: text)! }

    static func fill(
        _ tradeId: UInt64, _ side: Side, _ quantity: String, at price: String, market: MarketKind = .spot,
        fee: String = "0", feeAsset: String = "USDT", strategy: UInt32 = 1, ns: Int64 = 1_000
    ) -> Fill {
        Fill(
            venue: "sim", tradeId: tradeId, market: market, symbol: "BTCUSDT", baseAsset: "BTC", quoteAsset: "USDT",
            side: side, price: Price(price, exponent: -2), quantity: Quantity(quantity, exponent: -5),
            fee: amount(fee), feeAsset: feeAsset, liquidity: .taker, clientOrderId: "o\(tradeId)",
            venueOrderId: tradeId, strategyId: strategy, venueNs: ns)
    }

    static func funding(_ id: String, _ amount: String) -> FundingPayment {
        FundingPayment(
            venue: "sim", eventId: id, symbol: "BTCUSDT", asset: "USDT", amount: Self.amount(amount), venueNs: 5)
    }

    /// Every asset's postings sum to zero.
    static func balancedPerAsset(_ postings: [Posting]) -> Bool {
        Dictionary(grouping: postings, by: \.asset).values.allSatisfy {
            $0.reduce(Amount.zero) { $0 + $1.amount } == .zero
        }
    }

    /// The ledger of `mixed` and the fills it recorded.
    static func mixed() -> (ledger: Ledger, usdm: [Fill]) {
        var ledger = Ledger()
        let usdm = [
            fill(10, .buy, "0.002", at: "64000", market: .usdm, fee: "0.0512"),
            fill(11, .sell, "0.001", at: "64500", market: .usdm, fee: "0.0258"),
        ]
        _ = ledger.align(market: .spot, asset: "USDT", venueTotal: amount("1000"), eventKey: "recon:1", ns: 1)
        _ = ledger.align(market: .spot, asset: "BNB", venueTotal: amount("1"), eventKey: "recon:1", ns: 1)
        _ = ledger.align(market: .usdm, asset: "USDT", venueTotal: amount("500"), eventKey: "recon:1", ns: 1)
        _ = ledger.record(fill(1, .buy, "0.002", at: "64000", fee: "0.0003", feeAsset: "BNB"))
        _ = ledger.record(fill(2, .sell, "0.001", at: "65000.5", fee: "0.0650005"))
        _ = ledger.record(usdm[0])
        _ = ledger.record(usdm[1])
        _ = ledger.record(funding("f1", "-0.25"))
        return (ledger, usdm)
    }
}

@Suite struct LedgerTests {
    typealias F = LedgerFixture

    /// 0.002 BTC at 64000 = 128 USDT, fee 0.128 USDT.
    @Test func spotBuyPostsBalancedLegs() {
        var ledger = Ledger()
        let postings = ledger.record(F.fill(1, .buy, "0.002", at: "64000", fee: "0.128"))
        #expect(
            postings.map(\.account) == [
                "assets:spot:BTC", "equity:trading:BTCUSDT", "assets:spot:USDT", "equity:trading:BTCUSDT",
                "expenses:fees", "assets:spot:USDT",
            ])
        #expect(postings.map(\.amount) == ["0.002", "-0.002", "-128", "128", "0.128", "-0.128"].map(F.amount))
        #expect(postings.map(\.transactionId) == ["sim:1", "sim:1", "sim:1", "sim:1", "sim:1#fee", "sim:1#fee"])
        #expect(postings.allSatisfy { $0.eventKey == "sim:1" && $0.venueNs == 1_000 })
        #expect(F.balancedPerAsset(postings))
        #expect(ledger.balance(account: "assets:spot:USDT", asset: "USDT") == F.amount("-128.128"))
        #expect(ledger.balance(account: "assets:spot:BTC", asset: "BTC") == F.amount("0.002"))
        #expect(ledger.balance(account: "equity:trading:BTCUSDT", asset: "USDT") == F.amount("128"))
    }

    /// 0.001 BTC at 65000.5 = 65.0005 USDT.
    @Test func spotSellMirrorsBuy() {
        var ledger = Ledger()
        let postings = ledger.record(F.fill(2, .sell, "0.001", at: "65000.5"))
        #expect(postings.map(\.amount) == ["-0.001", "0.001", "65.0005", "-65.0005"].map(F.amount))
        #expect(F.balancedPerAsset(postings))
        #expect(ledger.balance(account: "assets:spot:USDT", asset: "USDT") == F.amount("65.0005"))
    }

    @Test func feeInBaseAsset() {
        var ledger = Ledger()
        let postings = ledger.record(F.fill(1, .buy, "0.002", at: "64000", fee: "0.000002", feeAsset: "BTC"))
        #expect(F.balancedPerAsset(postings))
        #expect(ledger.balance(account: "assets:spot:BTC", asset: "BTC") == F.amount("0.001998"))
        #expect(ledger.balance(account: "expenses:fees", asset: "BTC") == F.amount("0.000002"))
        #expect(ledger.balance(account: "assets:spot:USDT", asset: "USDT") == F.amount("-128"))
    }

    @Test func feeInBNB() {
        var ledger = Ledger()
        let postings = ledger.record(F.fill(1, .buy, "0.002", at: "64000", fee: "0.0003", feeAsset: "BNB"))
        #expect(F.balancedPerAsset(postings))
        #expect(ledger.balance(account: "assets:spot:BNB", asset: "BNB") == F.amount("-0.0003"))
        #expect(ledger.balance(account: "expenses:fees", asset: "BNB") == F.amount("0.0003"))
        #expect(ledger.trialBalance().balanced)
    }

    @Test func duplicateFillPostsNothing() {
        var ledger = Ledger()
        let fill = F.fill(1, .buy, "0.002", at: "64000", fee: "0.128")
        #expect(!ledger.hasRecorded(eventKey: "sim:1"))
        #expect(ledger.record(fill).count == 6)
        #expect(ledger.hasRecorded(eventKey: "sim:1"))
        #expect(ledger.record(fill).isEmpty)
        #expect(ledger.postings.count == 6)
        #expect(ledger.balance(account: "assets:spot:BTC", asset: "BTC") == F.amount("0.002"))
    }

    /// Buy 0.002 @ 64000 and 0.001 @ 65000: average 193 / 0.003 = 64333.33333333. Sell 0.004 @ 66000
    /// closes 0.003: (66000 − 64333.33333333) × 0.003 = 5.00000000001 → 5, and opens 0.001 short at
    /// 66000. Buy 0.001 @ 65500 closes it: (65500 − 66000) × 0.001 × −1 = +0.5.
    @Test func usdmOpenReduceFlipRealizesByAverageCost() {
        var ledger = Ledger()
        let open = ledger.record(F.fill(1, .buy, "0.002", at: "64000", market: .usdm, fee: "0.0512"))
        #expect(
            open.map(\.account) == [
                "positions:usdm:BTCUSDT", "equity:trading:BTCUSDT", "expenses:fees", "assets:usdm:USDT",
            ])
        #expect(open[0].asset == "BTCUSDT" && open[1].asset == "BTCUSDT")
        _ = ledger.record(F.fill(2, .buy, "0.001", at: "65000", market: .usdm))
        #expect(ledger.averageCost(symbol: "BTCUSDT") == F.amount("64333.33333333"))
        let flip = ledger.record(F.fill(3, .sell, "0.004", at: "66000", market: .usdm))
        #expect(F.balancedPerAsset(flip))
        #expect(flip.contains { $0.account == "income:trading:BTCUSDT" && $0.amount == F.amount("-5") })
        #expect(ledger.positionSize(symbol: "BTCUSDT") == F.amount("-0.001"))
        #expect(ledger.balance(account: "positions:usdm:BTCUSDT", asset: "BTCUSDT") == F.amount("-0.001"))
        #expect(ledger.averageCost(symbol: "BTCUSDT") == F.amount("66000"))
        _ = ledger.record(F.fill(4, .buy, "0.001", at: "65500", market: .usdm))
        #expect(ledger.positionSize(symbol: "BTCUSDT") == .zero)
        #expect(ledger.averageCost(symbol: "BTCUSDT") == nil)
        #expect(ledger.balance(account: "income:trading:BTCUSDT", asset: "USDT") == F.amount("-5.5"))
        #expect(ledger.balance(account: "assets:usdm:USDT", asset: "USDT") == F.amount("5.4488"))
        #expect(ledger.trialBalance().balanced)
    }

    @Test func fundingPostsOnce() {
        var ledger = Ledger()
        let paid = ledger.record(F.funding("f1", "-1.25"))
        #expect(paid.map(\.account) == ["assets:usdm:USDT", "income:funding"])
        #expect(paid.map(\.amount) == [F.amount("-1.25"), F.amount("1.25")])
        #expect(paid.allSatisfy { $0.transactionId == "sim:funding:f1" })
        #expect(ledger.record(F.funding("f1", "-1.25")).isEmpty)
        _ = ledger.record(F.funding("f2", "0.5"))
        #expect(ledger.balance(account: "income:funding", asset: "USDT") == F.amount("0.75"))
    }

    @Test func alignOpensThenAdjusts() {
        var ledger = Ledger()
        let opening = ledger.align(market: .spot, asset: "USDT", venueTotal: F.amount("1000"), eventKey: "r1", ns: 1)
        #expect(opening.map(\.account) == ["assets:spot:USDT", "equity:opening"])
        #expect(opening.map(\.amount) == [F.amount("1000"), F.amount("-1000")])
        #expect(opening.allSatisfy { $0.transactionId == "r1#align:spot:USDT" && $0.eventKey == "r1" })
        #expect(ledger.align(market: .spot, asset: "USDT", venueTotal: F.amount("1000"), eventKey: "r2", ns: 2).isEmpty)
        _ = ledger.record(F.fill(1, .buy, "0.002", at: "64000", fee: "0.128"))
        // 1000 − 128.128 = 871.872: the venue agrees, nothing to post.
        #expect(
            ledger.align(market: .spot, asset: "USDT", venueTotal: F.amount("871.872"), eventKey: "r3", ns: 3).isEmpty)
        let deposit = ledger.align(market: .spot, asset: "USDT", venueTotal: F.amount("900"), eventKey: "r3", ns: 3)
        #expect(deposit.map(\.account) == ["assets:spot:USDT", "equity:adjustments"])
        #expect(deposit.map(\.amount) == [F.amount("28.128"), F.amount("-28.128")])
        #expect(deposit[0].transactionId == "r3#align:spot:USDT")
        let again = ledger.align(market: .spot, asset: "USDT", venueTotal: F.amount("901"), eventKey: "r3", ns: 4)
        #expect(again[0].transactionId == "r3#align:spot:USDT#2")
        #expect(ledger.balance(account: "equity:opening", asset: "USDT") == F.amount("-1000"))
        #expect(ledger.balance(account: "equity:adjustments", asset: "USDT") == F.amount("-29.128"))
    }

    @Test func trialBalanceAfterMixedSequenceMatchesVenue() {
        var ledger = F.mixed().ledger
        // Spot USDT: 1000 − 128 + 65.0005 − 0.0650005 = 936.9354995; the venue says 936.9355 after a dust credit.
        #expect(ledger.balance(account: "assets:spot:USDT", asset: "USDT") == F.amount("936.9354995"))
        _ = ledger.align(market: .spot, asset: "USDT", venueTotal: F.amount("936.9355"), eventKey: "recon:2", ns: 9)
        let trial = ledger.trialBalance()
        #expect(trial.balanced)
        // A store keyed by (transaction, account, asset) keeps every leg: none repeats.
        let legs = ledger.postings.map { "\($0.transactionId)|\($0.account)|\($0.asset)" }
        #expect(Set(legs).count == legs.count)
        #expect(trial.row(account: "assets:spot:USDT", asset: "USDT")?.balance == F.amount("936.9355"))
        #expect(trial.row(account: "equity:adjustments", asset: "USDT")?.credits == F.amount("0.0000005"))
        #expect(trial.assets.map(\.asset) == ["BNB", "BTC", "BTCUSDT", "USDT"])
        #expect(
            trial.rows.map { "\($0.account)|\($0.asset)" } == trial.rows.map { "\($0.account)|\($0.asset)" }.sorted())
        // USD-M USDT: 500 − 0.0512 + (64500 − 64000) × 0.001 − 0.0258 − 0.25 = 500.173.
        #expect(trial.row(account: "assets:usdm:USDT", asset: "USDT")?.balance == F.amount("500.173"))
        #expect(trial.rows.allSatisfy { $0.balance == $0.debits - $0.credits })
    }

    @Test func replayRebuildsBalancesAndRefusesDuplicates() {
        let (original, usdm) = F.mixed()
        var replayed = Ledger(replaying: original.postings, usdmFills: usdm)
        #expect(replayed.trialBalance() == original.trialBalance())
        #expect(replayed.postings == original.postings)
        #expect(replayed.hasRecorded(eventKey: "sim:1") && replayed.hasRecorded(eventKey: "sim:funding:f1"))
        #expect(!replayed.hasRecorded(eventKey: "recon:1"))
        #expect(replayed.record(F.fill(2, .sell, "0.001", at: "65000.5", fee: "0.0650005")).isEmpty)
        #expect(replayed.record(usdm[1]).isEmpty)
        #expect(replayed.record(F.funding("f1", "-0.25")).isEmpty)
        #expect(replayed.averageCost(symbol: "BTCUSDT") == F.amount("64000"))
        // The long 0.001 @ 64000 closes at 63000: −1 as in the original; income −0.5 + 1 = 0.5 (a loss).
        var continued = original
        let close = F.fill(12, .sell, "0.001", at: "63000", market: .usdm)
        #expect(replayed.record(close) == continued.record(close))
        #expect(replayed.balance(account: "income:trading:BTCUSDT", asset: "USDT") == F.amount("0.5"))
        // Aligned before the restart: the next alignment is an adjustment.
        let adjust = replayed.align(market: .spot, asset: "BNB", venueTotal: F.amount("2"), eventKey: "r9", ns: 9)
        #expect(adjust.last?.account == "equity:adjustments")
    }

    @Test func replayWithoutFillsTakesPostedSizeWithoutAverage() {
        let (original, _) = F.mixed()
        var replayed = Ledger(replaying: original.postings)
        #expect(replayed.positionSize(symbol: "BTCUSDT") == F.amount("0.001"))
        #expect(replayed.averageCost(symbol: "BTCUSDT") == nil)
        let close = replayed.record(F.fill(12, .sell, "0.001", at: "63000", market: .usdm))
        #expect(!close.contains { $0.account.hasPrefix("income:trading") })
        #expect(replayed.positionSize(symbol: "BTCUSDT") == .zero)
    }
}

import Account
import EngineModel
import Testing

/// Accounts, venue states and a stand-in for the account processor, for reconciliation tests.
enum ReconcilerFixture {
    static func amount(_ text: String) -> Amount { Amount(parsing: text)! }

    /// "-0.001" → a short of 0.00100 (exponent −5).
    static func size(_ text: String) -> SignedSize {
        let short = text.hasPrefix("-")
        let quantity = Quantity(short ? String(text.dropFirst()) : text, exponent: -5)
        return SignedSize(short ? .sell : .buy, quantity)
    }

    static func balance(_ asset: String, _ free: String, locked: String = "0") -> BalanceUpdate {
        BalanceUpdate(asset: asset, free: amount(free), locked: amount(locked), source: .stream, venueNs: 1)
    }

    static func venuePosition(_ symbol: String, _ size: String) -> PositionUpdate {
        PositionUpdate(symbol: symbol, size: Self.size(size), entryPrice: Price("64000", exponent: -2), venueNs: 7)
    }

    static func trade(_ id: UInt64, _ side: Side, _ quantity: String, market: MarketKind = .usdm) -> Fill {
        Fill(
            venue: "sim", tradeId: id, market: market, symbol: "BTCUSDT", baseAsset: "BTC", quoteAsset: "USDT",
            side: side, price: Price("64000", exponent: -2), quantity: Quantity(quantity, exponent: -5),
            fee: amount("0.01"), feeAsset: "USDT", liquidity: .maker, clientOrderId: "o\(id)", venueOrderId: id,
            strategyId: 1, venueNs: Int64(id))
    }

    static func order(_ id: String, open: Bool = true) -> AccountOrder {
        AccountOrder(
            clientOrderId: id, venueOrderId: 9, symbol: "BTCUSDT", side: .buy, type: "limit",
            price: Price("63000", exponent: -2), quantity: Quantity("0.002", exponent: -5),
            filledQuantity: Quantity("0", exponent: -5), averagePrice: nil, status: open ? "new" : "canceled",
            isOpen: open, strategyId: 1, lastUpdateNs: 1, lastEventSeq: 1)
    }

    /// An account with these balances and USD-M positions ((strategy, symbol, size)).
    static func account(balances: [String: String], positions: [(UInt32, String, String)] = []) -> AccountSnapshot {
        var snapshot = AccountSnapshot()
        for (asset, total) in balances {
            snapshot.balances[asset] = BalanceEntry(
                asset: asset, total: amount(total), available: amount(total), source: .stream, updatedNs: 1)
        }
        for (strategy, symbol, size) in positions {
            let key = PositionKey(strategyId: strategy, symbol: symbol)
            snapshot.positions[key] = PositionEntry(key: key, market: .usdm, size: Self.size(size))
        }
        return snapshot
    }

    /// What the account processor does with corrections, reduced to balances and positions: fills
    /// move their strategy's USD-M position, balances are the venue's, and a venue position puts
    /// whatever the strategies' fills do not explain on strategy 0 (manual and external).
    struct Applier {
        var account: AccountSnapshot
        var seen: Set<String>

        mutating func apply(_ events: [AccountEvent]) {
            for event in events {
                switch event {
                case .fill(let fill):
                    seen.insert(fill.key)
                    guard fill.market == .usdm else { continue }
                    let delta = SignedSize(fill.side, fill.quantity).mantissa
                    move(
                        PositionKey(strategyId: fill.strategyId, symbol: fill.symbol), by: delta, fill.quantity.exponent
                    )
                case .balance(let update):
                    account.balances[update.asset] = BalanceEntry(
                        asset: update.asset, total: update.free + update.locked, available: update.free,
                        source: update.source, updatedNs: update.venueNs)
                case .position(let update):
                    let explained = account.positions.values.filter { $0.key.symbol == update.symbol }
                        .reduce(Int64(0)) { $0 + $1.size.mantissa }
                    let manual = PositionKey(strategyId: 0, symbol: update.symbol)
                    move(manual, by: update.size.mantissa - explained, update.size.exponent)
                default:
                    continue
                }
            }
        }

        mutating func move(_ key: PositionKey, by delta: Int64, _ exponent: Int8) {
            var entry =
                account.positions[key]
                ?? PositionEntry(key: key, market: .usdm, size: SignedSize(mantissa: 0, exponent: exponent))
            entry.size.mantissa += delta
            account.positions[key] = entry
        }
    }
}

@Suite struct ReconcilerTests {
    typealias F = ReconcilerFixture

    @Test func missingFillIsTakenIn() {
        let local = F.account(balances: ["USDT": "500"])
        let venue = VenueAccountState(
            balances: [F.balance("USDT", "500")], trades: [F.trade(2, .buy, "0.001"), F.trade(1, .buy, "0.001")],
            fetchedNs: 10)
        let (report, corrections) = Reconciler.compare(
            local: local, seenTradeKeys: ["sim:1"], venue: venue, market: .spot, now: 11)
        #expect(report.missingFills == 1 && report.tradesChecked == 2)
        #expect(report.discrepancies.isEmpty && !report.exceededThreshold)
        #expect(corrections == [.fill(F.trade(2, .buy, "0.001"))])
        #expect(report.timestamp == 11 && report.durationNs == 0 && report.balancesChecked == 1)
        #expect(report.positionsChecked == 0)
    }

    /// 1000 → 900: 100 × 10000 / 1000 = 1000 bps, above 500.
    @Test func balanceMismatchAboveThreshold() {
        let local = F.account(balances: ["USDT": "1000"])
        let venue = VenueAccountState(balances: [F.balance("USDT", "850", locked: "50")], fetchedNs: 10)
        let (report, corrections) = Reconciler.compare(
            local: local, seenTradeKeys: [], venue: venue, market: .spot, now: 11)
        #expect(report.discrepancies.count == 1)
        let discrepancy = report.discrepancies[0]
        #expect(discrepancy.kind == "balance" && discrepancy.symbol == "USDT" && discrepancy.differenceBps == 1000)
        #expect(discrepancy.difference == F.amount("-100"))
        #expect(report.exceededThreshold)
        let expected = BalanceUpdate(
            asset: "USDT", free: F.amount("850"), locked: F.amount("50"), source: .reconciliation, venueNs: 10)
        #expect(corrections == [.balance(expected)])
    }

    /// 1000 → 990: 100 bps, reported and corrected, below 500; an asset the venue dropped goes to zero.
    @Test func balanceMismatchBelowThresholdAndDroppedAsset() {
        let local = F.account(balances: ["USDT": "1000", "BNB": "0.5"])
        let venue = VenueAccountState(balances: [F.balance("USDT", "990"), F.balance("ETH", "0")], fetchedNs: 10)
        let (report, corrections) = Reconciler.compare(
            local: local, seenTradeKeys: [], venue: venue, market: .spot, thresholdBps: 500, now: 11)
        #expect(report.balancesChecked == 3)
        #expect(report.discrepancies.map(\.symbol) == ["BNB", "USDT"])
        #expect(report.discrepancies.map(\.differenceBps) == [10_000, 100])
        // BNB at 10000 bps is above the threshold too: a whole asset vanished.
        #expect(report.exceededThreshold)
        let zero = BalanceUpdate(asset: "BNB", free: .zero, locked: .zero, source: .reconciliation, venueNs: 10)
        #expect(corrections.first == .balance(zero))
        let below = Reconciler.compare(
            local: F.account(balances: ["USDT": "1000"]), seenTradeKeys: [],
            venue: VenueAccountState(balances: [F.balance("USDT", "990")], fetchedNs: 10), market: .spot, now: 11)
        #expect(below.report.mismatchesFound == 1 && !below.report.exceededThreshold)
    }

    /// Strategies 1 (+0.003) and 2 (−0.001) net +0.002; the venue has +0.004: 0.002 × 10000 / 0.004 = 5000 bps.
    @Test func usdmPositionMismatch() {
        let local = F.account(balances: [:], positions: [(1, "BTCUSDT", "0.003"), (2, "BTCUSDT", "-0.001")])
        let venue = VenueAccountState(positions: [F.venuePosition("BTCUSDT", "0.004")], fetchedNs: 10)
        let (report, corrections) = Reconciler.compare(
            local: local, seenTradeKeys: [], venue: venue, market: .usdm, now: 11)
        #expect(report.positionsChecked == 1)
        #expect(report.discrepancies.count == 1)
        let discrepancy = report.discrepancies[0]
        #expect(discrepancy.kind == "position" && discrepancy.localSize == F.amount("0.002"))
        #expect(discrepancy.exchangeSize == F.amount("0.004") && discrepancy.differenceBps == 5000)
        #expect(report.exceededThreshold)
        #expect(corrections == [.position(F.venuePosition("BTCUSDT", "0.004"))])
        let spot = Reconciler.compare(local: local, seenTradeKeys: [], venue: venue, market: .spot, now: 11)
        #expect(spot.report.positionsChecked == 0 && spot.report.discrepancies.isEmpty)
    }

    @Test func unknownVenueOpenOrderExceeds() {
        let venueOrder = VenueOpenOrder(
            clientOrderId: "x-1", symbol: "BTCUSDT", venueOrderId: 42, executedQuantity: Quantity("0", exponent: -5),
            quantity: Quantity("0.003", exponent: -5))
        let venue = VenueAccountState(openOrders: [venueOrder], fetchedNs: 10)
        let (report, corrections) = Reconciler.compare(
            local: F.account(balances: [:]), seenTradeKeys: [], venue: venue, market: .spot, now: 11)
        #expect(report.ordersChecked == 1 && report.exceededThreshold && corrections.isEmpty)
        let discrepancy = report.discrepancies[0]
        #expect(discrepancy.kind == "order" && discrepancy.symbol == "x-1" && discrepancy.differenceBps == 10_000)
        #expect(discrepancy.exchangeSize == F.amount("0.003") && discrepancy.localSize == .zero)
        #expect(discrepancy.detail.contains("order path"))
    }

    @Test func localOrderMissingAtVenue() {
        var local = F.account(balances: [:])
        local.orders["o1"] = F.order("o1")
        local.orders["o2"] = F.order("o2", open: false)
        let venue = VenueAccountState(fetchedNs: 10)
        let (report, corrections) = Reconciler.compare(
            local: local, seenTradeKeys: [], venue: venue, market: .spot, now: 11)
        #expect(report.ordersChecked == 1 && corrections.isEmpty)
        #expect(report.discrepancies.map(\.symbol) == ["o1"])
        #expect(
            report.discrepancies[0].localSize == F.amount("0.002") && report.discrepancies[0].differenceBps == 10_000)
        #expect(!report.exceededThreshold)
    }

    /// The venue has a buy of 0.001 the engine has not seen: its position (+0.003) and its USDT
    /// (500 − 0.01 fee) already include it. Plus an ETHUSDT short nobody's fills explain and BNB gone.
    @Test func correctionsConverge() {
        let local = F.account(balances: ["USDT": "500", "BNB": "0.1"], positions: [(1, "BTCUSDT", "0.002")])
        let venue = VenueAccountState(
            balances: [F.balance("USDT", "499.99")],
            positions: [F.venuePosition("BTCUSDT", "0.003"), F.venuePosition("ETHUSDT", "-0.01")],
            trades: [F.trade(1, .buy, "0.002"), F.trade(2, .buy, "0.001")], fetchedNs: 10)
        let first = Reconciler.compare(local: local, seenTradeKeys: ["sim:1"], venue: venue, market: .usdm, now: 11)
        #expect(first.report.missingFills == 1)
        // The missing fill explains BTCUSDT: only ETHUSDT is a position discrepancy.
        #expect(
            first.report.discrepancies.map { "\($0.kind):\($0.symbol)" } == [
                "balance:BNB", "balance:USDT", "position:ETHUSDT",
            ])
        #expect(first.corrections.count == 4)
        guard case .fill = first.corrections[0], case .position = first.corrections[3] else {
            Issue.record("corrections out of order: \(first.corrections)")
            return
        }
        var applier = F.Applier(account: local, seen: ["sim:1"])
        applier.apply(first.corrections)
        let second = Reconciler.compare(
            local: applier.account, seenTradeKeys: applier.seen, venue: venue, market: .usdm, now: 12)
        #expect(second.report.discrepancies.isEmpty)
        #expect(second.report.missingFills == 0 && second.corrections.isEmpty && !second.report.exceededThreshold)
    }

    @Test func differenceBpsRoundsAndHandlesZero() {
        #expect(Reconciler.differenceBps(local: .zero, venue: .zero) == 0)
        #expect(Reconciler.differenceBps(local: F.amount("3"), venue: .zero) == 10_000)
        // 1 / 3 of the larger: 3333.33 → 3333; 2 / 3: 6666.67 → 6667.
        #expect(Reconciler.differenceBps(local: F.amount("2"), venue: F.amount("3")) == 3333)
        #expect(Reconciler.differenceBps(local: F.amount("1"), venue: F.amount("3")) == 6667)
        #expect(Reconciler.differenceBps(local: F.amount("-1"), venue: F.amount("1")) == 20_000)
    }
}

import Account
import EngineModel
import Foundation
import Testing

/// Snapshots and reports for alert monitor tests: sizes at 10⁻⁵, prices at 10⁻².
enum AlertFixture {
    static func amount(_ text: String) -> Amount { Amount(parsing: text)! }

    static func size(_ text: String) -> SignedSize {
        let short = text.hasPrefix("-")
        return SignedSize(short ? .sell : .buy, Quantity(short ? String(text.dropFirst()) : text, exponent: -5))
    }

    static func position(
        _ strategy: UInt32, _ symbol: String, _ size: String, mark: String, market: MarketKind = .spot,
        liquidation: String? = nil, marginUsed: String? = nil, unrealized: String = "0"
    ) -> PositionEntry {
        var entry = PositionEntry(
            key: PositionKey(strategyId: strategy, symbol: symbol), market: market, size: Self.size(size))
        entry.markPrice = amount(mark)
        entry.entryPrice = amount(mark)
        entry.liquidationPrice = liquidation.map(amount)
        entry.marginUsed = marginUsed.map(amount)
        entry.unrealizedPnl = amount(unrealized)
        return entry
    }

    static func account(_ positions: [PositionEntry] = [], dailyPnl: String = "0", usdt: String? = nil)
        -> AccountSnapshot
    {
        var snapshot = AccountSnapshot()
        for entry in positions { snapshot.positions[entry.key] = entry }
        snapshot.pnl.dailyPnl = amount(dailyPnl)
        if let usdt {
            snapshot.balances["USDT"] = BalanceEntry(
                asset: "USDT", total: amount(usdt), available: amount(usdt), source: .stream, updatedNs: 1)
        }
        return snapshot
    }

    static func report(_ kinds: [String], exceeded: Bool = false, missingFills: Int = 0) -> ReconciliationReport {
        let discrepancies = kinds.map {
            Discrepancy(
                kind: $0, symbol: "USDT", localSize: .zero, exchangeSize: amount("1"), differenceBps: 10_000, detail: ""
            )
        }
        return ReconciliationReport(
            timestamp: 77, positionsChecked: 1, balancesChecked: 1, ordersChecked: 0, tradesChecked: 0,
            missingFills: missingFills, discrepancies: discrepancies, exceededThreshold: exceeded, durationNs: 0)
    }
}

@Suite struct AlertMonitorTests {
    typealias F = AlertFixture

    static func evaluate(_ monitor: inout AlertMonitor, _ snapshot: AccountSnapshot) -> [Alert] {
        monitor.evaluate(snapshot, now: 5, openOrders: 0, lastExecutionNs: nil)
    }

    @Test func dailyDrawdownFiresOnceAndReArms() {
        var monitor = AlertMonitor(limits: AlertLimits(maxDailyDrawdown: F.amount("100")))
        let first = Self.evaluate(&monitor, F.account(dailyPnl: "-150"))
        #expect(first.map(\.rule) == ["daily_drawdown"])
        #expect(first[0].severity == .error && first[0].category == .pnl && first[0].id == "a-1")
        #expect(first[0].timestamp == 5 && first[0].message == "daily PnL -150 is below -100")
        #expect(Self.evaluate(&monitor, F.account(dailyPnl: "-200")).isEmpty)
        #expect(monitor.activeConditions == ["daily_drawdown"])
        #expect(Self.evaluate(&monitor, F.account(dailyPnl: "-100")).isEmpty)
        #expect(monitor.activeConditions.isEmpty)
        #expect(Self.evaluate(&monitor, F.account(dailyPnl: "-120")).map(\.id) == ["a-2"])
        #expect(monitor.counts == ["error/pnl": 2])
    }

    /// BTCUSDT: (0.01 + 0.006) × 64000 = 1024 > 1000; ETHUSDT: 0.1 × 3000 = 300. Total 1324 > 1200.
    @Test func positionSizePerSymbolAndTotalExposure() {
        let limits = AlertLimits(maxPositionNotional: F.amount("1000"), maxTotalExposure: F.amount("1200"))
        var monitor = AlertMonitor(limits: limits)
        let eth = F.position(1, "ETHUSDT", "0.1", mark: "3000")
        let long = [F.position(1, "BTCUSDT", "0.01", mark: "64000"), F.position(2, "BTCUSDT", "0.006", mark: "64000")]
        let alerts = Self.evaluate(&monitor, F.account(long + [eth]))
        #expect(alerts.map(\.rule) == ["position_size", "total_exposure"])
        #expect(alerts[0].severity == .warning && alerts[0].category == .position)
        #expect(alerts[0].message == "BTCUSDT position 0.016 at 64000 is worth 1024, above 1000")
        #expect(alerts[1].severity == .warning && alerts[1].category == .risk)
        #expect(alerts[1].message == "total exposure 1324 is above 1200")
        #expect(monitor.activeConditions == ["position_size:BTCUSDT", "total_exposure"])
        // Strategy 2 goes short 0.006: net 0.004 × 64000 = 256; total 556. Both clear.
        let hedged = [long[0], F.position(2, "BTCUSDT", "-0.006", mark: "64000"), eth]
        #expect(Self.evaluate(&monitor, F.account(hedged)).isEmpty)
        #expect(monitor.activeConditions.isEmpty)
        #expect(Self.evaluate(&monitor, F.account(long + [eth])).count == 2)
        #expect(monitor.counts == ["warning/position": 2, "warning/risk": 2])
    }

    /// |64000 − 60000| / 64000 = 625 bps < 1000; the venue's 50000 is 2187 bps away.
    @Test func liquidationProximityFromBookThenVenue() {
        var monitor = AlertMonitor(limits: AlertLimits())
        let near = F.position(1, "BTCUSDT", "0.01", mark: "64000", market: .usdm, liquidation: "60000")
        var snapshot = F.account([near])
        let alerts = Self.evaluate(&monitor, snapshot)
        #expect(alerts.map(\.rule) == ["liquidation_proximity"])
        #expect(alerts[0].severity == .critical && alerts[0].category == .position)
        #expect(alerts[0].message == "BTCUSDT mark 64000 is 625 bps from its liquidation price 60000")
        snapshot.venuePositions["BTCUSDT"] = PositionUpdate(
            symbol: "BTCUSDT", size: F.size("0.01"), entryPrice: Price("64000", exponent: -2),
            liquidationPrice: Price("50000", exponent: -2), markPrice: Price("64000", exponent: -2), venueNs: 3)
        #expect(Self.evaluate(&monitor, snapshot).isEmpty)
        #expect(monitor.activeConditions.isEmpty)
    }

    /// Equity 100 − 10 = 90 over margin 64: 14062 bps < 20000; with 200 USDT, 190 / 64 = 29687 bps.
    @Test func marginRatioFromEquityOverMarginUsed() {
        var monitor = AlertMonitor(limits: AlertLimits(minMarginRatioBps: 20_000))
        let position = F.position(
            1, "BTCUSDT", "0.01", mark: "64000", market: .usdm, marginUsed: "64", unrealized: "-10")
        let alerts = Self.evaluate(&monitor, F.account([position], usdt: "100"))
        #expect(alerts.map(\.rule) == ["margin_ratio"])
        #expect(alerts[0].severity == .error && alerts[0].category == .risk)
        #expect(alerts[0].message == "margin ratio 14062 bps is below 20000 bps")
        #expect(Self.evaluate(&monitor, F.account([position], usdt: "200")).isEmpty)
        // Without the margin asset's balance there is no ratio to check.
        #expect(Self.evaluate(&monitor, F.account([position])).isEmpty)
    }

    @Test func executionQuietNeedsOpenOrdersAndATime() {
        var monitor = AlertMonitor(limits: AlertLimits(quietExecutionNs: 1_000_000_000))
        let account = F.account()
        let quiet = monitor.evaluate(account, now: 1_500_000_000, openOrders: 2, lastExecutionNs: 0)
        #expect(quiet.map(\.rule) == ["execution_quiet"])
        #expect(quiet[0].severity == .warning && quiet[0].category == .system)
        #expect(quiet[0].message == "2 order(s) open and no execution report for 1500 ms")
        let stillQuiet = monitor.evaluate(account, now: 1_600_000_000, openOrders: 2, lastExecutionNs: 0)
        #expect(stillQuiet.isEmpty)
        let noOrders = monitor.evaluate(account, now: 1_700_000_000, openOrders: 0, lastExecutionNs: 0)
        #expect(noOrders.isEmpty)
        let noTime = monitor.evaluate(account, now: 1_800_000_000, openOrders: 1, lastExecutionNs: nil)
        #expect(noTime.isEmpty)
        let recent = monitor.evaluate(account, now: 1_800_000_000, openOrders: 1, lastExecutionNs: 900_000_000)
        #expect(recent.isEmpty)
        let quietAgain = monitor.evaluate(account, now: 3_000_000_000, openOrders: 1, lastExecutionNs: 0)
        #expect(quietAgain.count == 1)
    }

    @Test func reconciliationAlertsEscalateAndReArm() {
        var monitor = AlertMonitor()
        let missed = monitor.reconciliation(F.report([], missingFills: 1))
        #expect(missed?.severity == .warning && missed?.category == .system)
        let mismatch = monitor.reconciliation(F.report(["balance"]))
        #expect(mismatch?.rule == "reconciliation_mismatch" && mismatch?.severity == .error)
        #expect(mismatch?.category == .balance && mismatch?.timestamp == 77)
        let repeated = monitor.reconciliation(F.report(["balance"]))
        #expect(repeated == nil)
        let halted = monitor.reconciliation(F.report(["balance", "position"], exceeded: true))
        #expect(halted?.severity == .critical && halted?.category == .position)
        #expect(halted?.message.contains("trading halted") == true)
        let stillHalted = monitor.reconciliation(F.report(["order"], exceeded: true))
        #expect(stillHalted == nil)
        let clean = monitor.reconciliation(F.report([]))
        #expect(clean == nil)
        let orderOnly = monitor.reconciliation(F.report(["order"]))
        #expect(orderOnly?.category == .system)
        #expect(monitor.counts == ["warning/system": 1, "error/balance": 1, "critical/position": 1, "error/system": 1])
    }

    @Test func slowRecoveryAlert() {
        var monitor = AlertMonitor()
        let fast = monitor.recovery(durationNs: 5_000_000_000, now: 9)
        #expect(fast == nil)
        let slow = monitor.recovery(durationNs: 12_345_000_000, now: 9)
        #expect(slow?.rule == "slow_recovery" && slow?.severity == .error && slow?.category == .system)
        #expect(slow?.message == "recovery took 12345 ms, more than 10000 ms")
        #expect(monitor.counts == ["error/system": 1])
    }

    @Test func idsRecentAndAcknowledge() {
        var monitor = AlertMonitor(limits: AlertLimits(slowRecoveryNs: 0))
        for _ in 0..<300 { _ = monitor.recovery(durationNs: 1, now: 1) }
        #expect(monitor.recent.count == AlertMonitor.recentCapacity)
        #expect(monitor.recent.first?.id == "a-45" && monitor.recent.last?.id == "a-300")
        #expect(monitor.counts == ["error/system": 300])
        let known = monitor.acknowledge(id: "a-300")
        let evicted = monitor.acknowledge(id: "a-1")
        #expect(known && !evicted)
        #expect(monitor.recent.last?.acknowledged == true)
    }

    @Test func limitsDecodeWithDefaults() throws {
        let json = Data(#"{"maxDailyDrawdown": "250.5", "quietExecutionNs": 2000}"#.utf8)
        let limits = try JSONDecoder().decode(AlertLimits.self, from: json)
        #expect(limits.maxDailyDrawdown == F.amount("250.5") && limits.quietExecutionNs == 2000)
        #expect(limits.liquidationProximityBps == 1000 && limits.slowRecoveryNs == 10_000_000_000)
        #expect(limits.maxTotalExposure == nil && limits.marginAsset == "USDT")
        let again = try JSONDecoder().decode(AlertLimits.self, from: JSONEncoder().encode(limits))
        #expect(again == limits)
    }
}

import Account
import EngineKit
import EngineModel
import Foundation
import Logging
import Recorder
import Synchronization
import Trading

/// The account processor (DESIGN §1): the single writer of account state. One thread drains the
/// exec journal into the account book (positions, PnL), the ledger and the alert monitor, publishes
/// each new snapshot to the in-process store, the broadcaster and the `account` segment, and hands
/// every order, fill, posting and alert to the recorder. A journal record counts as consumed only
/// once the recorder has stored what it carried, so a crash replays it instead of losing it.
/// Reconciliations run on the same thread (the venue's answer is fetched elsewhere and handed in).
public final class AccountProcessor: @unchecked Sendable {
    /// What the processor needs to know about the engine it runs in.
    public struct Settings: Sendable {
        public var venue: String
        public var market: MarketKind
        public var quoteAsset: String
        public var instruments: [Instrument]
        /// One per instrument, same order.
        public var assets: [SymbolAssets]
        public var alertLimits = AlertLimits()
        /// A balance or position mismatch above this many basis points halts trading.
        public var thresholdBps = 500
        public var markIntervalNs: Int64 = 100_000_000
        public var alertIntervalNs: Int64 = 250_000_000
        public var snapshotIntervalNs: Int64 = 1_000_000_000
        /// How often the recorder is waited for (the journal is marked consumed after it).
        public var flushIntervalNs: Int64 = 50_000_000

        public init(venue: String, market: MarketKind, quoteAsset: String, instruments: [Instrument], assets: [SymbolAssets]) {
            self.venue = venue
            self.market = market
            self.quoteAsset = quoteAsset
            self.instruments = instruments
            self.assets = assets
        }
    }

    let settings: Settings
    let journal: ExecJournalReader
    var mapper: ExecAccountMapper
    var book: AccountBook
    var ledger: Ledger
    var monitor: AlertMonitor
    let recorder: RecorderWriter?
    let segment: AccountSegmentWriter?
    /// The snapshot for readers in this process.
    public let store = AccountStateStore()
    /// Changes for subscribers (the control plane's streams).
    public let broadcaster = AccountBroadcaster()
    /// Alerts and reconciliation discrepancies, for readers on other threads.
    public let alertLog = AlertLog()
    let marks: (Int) -> Price?
    let consumption: (shared: JournalConsumption, index: Int)?
    let killSwitch: KillSwitch?
    let logger: Logger
    let clock: () -> Int64
    private let worker = LoopThread(name: "tickwire-account")
    let requests = Mutex<[ReconcileRequest]>([])
    private let positionsByInstrument = Mutex<[Int64]>([])
    var lastExecutionNs: Int64?
    var recorded: UInt64 = 0
    let reportLock = Mutex<ReconciliationReport?>(nil)
    /// Who asks the venue about an order reconciliation found open here but not there (the order path).
    let askVenue = Mutex<(@Sendable ([String]) -> Void)?>(nil)
    /// Discrepancies found by every reconciliation so far (`reconciliation_mismatches_total`).
    public internal(set) var mismatchesTotal = 0
    var nextMark: Int64 = 0
    var nextAlerts: Int64 = 0
    var nextSnapshot: Int64 = 0
    var nextFlush: Int64 = 0
    var dirty = false
    /// The last order update's number (monotonic across restarts: restored from the recorder).
    var orderSeq: UInt64 = 0
    /// The account segment's own version, and the kill-switch move it last showed.
    var segmentVersion: UInt64 = 0
    var publishedRiskNs: Int64 = -1

    /// A processor over `instance`'s journal; `recorder` stores what it applies, `segment` shows
    /// it to other processes, `marks` gives an instrument's mark (the live mid; USD-M the mark
    /// price), `killSwitch` is halted when a reconciliation finds a mismatch above the threshold.
    public init(
        instance: EngineInstance, settings: Settings, recorder: RecorderWriter?, segment: AccountSegmentWriter?,
        marks: @escaping (Int) -> Price?, consumption: (shared: JournalConsumption, index: Int)?,
        killSwitch: KillSwitch?, logger: Logger, clock: @escaping () -> Int64 = wallClockNs
    ) throws {
        self.settings = settings
        journal = try ExecJournalReader(segment: instance.exec, fromOldest: true)
        mapper = ExecAccountMapper(venue: settings.venue, instruments: settings.instruments, assets: settings.assets)
        book = AccountBook(settings: Self.bookSettings(settings))
        ledger = Ledger()
        monitor = AlertMonitor(limits: settings.alertLimits)
        self.recorder = recorder
        self.segment = segment
        self.marks = marks
        self.consumption = consumption
        self.killSwitch = killSwitch
        self.logger = logger
        self.clock = clock
        positionsByInstrument.withLock { $0 = Array(repeating: 0, count: settings.instruments.count) }
    }

    static func bookSettings(_ settings: Settings) -> AccountBookSettings {
        var symbols: [String: SymbolInfo] = [:]
        for (instrument, assets) in zip(settings.instruments, settings.assets) {
            symbols[instrument.symbol] = SymbolInfo(
                baseAsset: assets.baseAsset, quoteAsset: assets.quoteAsset, market: assets.market)
        }
        return AccountBookSettings(venue: settings.venue, quoteAsset: settings.quoteAsset, symbols: symbols)
    }

    /// Sets the net positions readers see (processor thread).
    func setNetPositions(_ net: [Int64]) { positionsByInstrument.withLock { $0 = net } }

    /// The engine's net position in an instrument over all strategies (mantissa at its quantity
    /// exponent), for the kill switch's reduce-only rule; readable from any thread.
    public func netPosition(_ instrument: Int) -> Int64 {
        positionsByInstrument.withLock { instrument < $0.count ? $0[instrument] : 0 }
    }

    /// The ledger's trial balance (processor thread state, copied under no lock: call it when stopped
    /// or from the processor's own callbacks).
    public var trialBalance: TrialBalance { ledger.trialBalance() }

    /// Sets who asks the venue about orders reconciliation cannot place (the order path, once it runs).
    public func onUnknownOrders(_ ask: @escaping @Sendable ([String]) -> Void) { askVenue.withLock { $0 = ask } }

    /// Starts the thread.
    public func start() { worker.start { [self] in loop() } }

    /// Drains what the journal holds, stores it, and stops the thread.
    public func stop() { worker.stop() }

    private func loop() {
        var idle = 0
        while !worker.isStopping {
            let now = clock()
            var worked = drain(now: now)
            worked = serveReconciliations(now: now) || worked
            worked = periodic(now: now) || worked
            if worked {
                idle = 0
            } else {
                idle += 1
                // Yield while reports came recently (a fill burst comes in pieces), then short naps:
                // this thread shares a core on small machines and nothing can wake it.
                if idle < 2000 { sched_yield() } else { usleep(50) }
            }
        }
        _ = drain(now: clock())
        _ = serveReconciliations(now: clock())
        publish(now: clock())
        flush()
    }

    /// Applies every new journal record.
    func drain(now: Int64) -> Bool {
        var any = false
        while case .record(let record) = journal.poll() {
            for event in mapper.events(for: record) { apply(event, seq: record.seq) }
            if case .report(let r) = record.body, !r.isLocal { lastExecutionNs = now }
            any = true
        }
        if any {
            dirty = true
            publish(now: now)
        }
        return any
    }
}

/// Now, ns since the epoch.
public func wallClockNs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1_000_000_000) }

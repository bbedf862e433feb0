import Account
import AccountService
import EngineKit
import EngineModel
import ExchangeSim
import Foundation
import Logging
import MarketData
import Recorder
import Trading

/// The account side of a running engine: the processor thread over the exec journal (restored
/// from the recorder and the previous engine's journal first), the recorder's thread, and — when
/// orders go to a venue — reconciliation with the venue's account at start and on a timer.
final class AccountRun: @unchecked Sendable {
    let processor: AccountProcessor
    let recorder: RecorderWriter?
    let reconciliation: ReconciliationLoop?
    let killSwitch: KillSwitch
    let consumption: JournalConsumption
    /// Trades and best bid/offer from the md ring into the recorder.
    private var tape: MarketTape?
    private var task: Task<Void, Never>?
    /// `engine reconcile` signals the engine (SIGUSR1): a round runs now.
    private var reconcileSignal: DispatchSourceSignal?
    private let restClient: RESTClient?
    let logger: Logger

    private init(
        processor: AccountProcessor, recorder: RecorderWriter?, reconciliation: ReconciliationLoop?,
        killSwitch: KillSwitch, consumption: JournalConsumption, restClient: RESTClient?, logger: Logger
    ) {
        self.processor = processor
        self.recorder = recorder
        self.reconciliation = reconciliation
        self.killSwitch = killSwitch
        self.consumption = consumption
        self.restClient = restClient
        self.logger = logger
    }

    /// Restores and starts the account processor (and the reconciliation loop in live mode).
    static func start(
        settings: StartSettings, instance: EngineInstance, target: FeedTarget, assets: [(base: String, quote: String)],
        previous: PreviousJournal?, logger: Logger
    ) throws -> AccountRun {
        let started = wallClockNs()
        let market: MarketKind = target.venue == .binanceFutures ? .usdm : .spot
        let symbolAssets = assets.map { SymbolAssets(baseAsset: $0.base, quoteAsset: $0.quote, market: market) }
        var processorSettings = AccountProcessor.Settings(
            venue: target.venue.venueName, market: market, quoteAsset: assets.first?.quote ?? "USDT",
            instruments: instance.config.instruments, assets: symbolAssets)
        processorSettings.alertLimits = settings.account.alertLimits
        processorSettings.thresholdBps = settings.account.mismatchThresholdBps
        var store: (any RecorderStore)?
        var writer: RecorderWriter?
        if let path = settings.account.recorderPath {
            do {
                let opened = try RecorderLocation.open(path)
                store = opened
                writer = RecorderWriter(store: opened)
            } catch { throw fail("recorder: \(error)", code: 1) }
        }
        let books = try BooksReader(instance: instance.config.instance)
        let marks: (Int) -> Price? = { index in
            guard let top = try? books.snapshot(index, levels: 1), !top.stale, let bid = top.bids.first,
                let ask = top.asks.first
            else { return nil }
            return Price(mantissa: (bid.price + ask.price) / 2, exponent: instance.config.instruments[index].priceExponent)
        }
        let killSwitch = KillSwitch(now: started)
        let consumption = JournalConsumption(segment: instance.exec, consumers: 2)
        let processor = try AccountProcessor(
            instance: instance, settings: processorSettings, recorder: writer,
            segment: AccountSegmentWriter(segment: instance.account), marks: marks,
            consumption: (consumption, 1), killSwitch: killSwitch, logger: logger)
        var restored: AccountProcessor.Restored?
        if let store {
            restored = try processor.restore(from: store, previous: previous)
            if let restored, restored.fills > 0 || restored.replayedRecords > 0 {
                logger.notice(
                    "account restored from the recorder",
                    metadata: [
                        "fills": "\(restored.fills)", "postings": "\(restored.postings)",
                        "journal_records_replayed": "\(restored.replayedRecords)",
                        "ms": "\((wallClockNs() - started) / 1_000_000)",
                    ])
            }
        }
        processor.start()
        var tape: MarketTape?
        if let writer {
            tape = try MarketTape(
                instance: instance.config.instance, instruments: instance.config.instruments, recorder: writer,
                logger: logger)
            tape?.start()
        }
        var loop: ReconciliationLoop?
        var rest: RESTClient?
        if settings.trading.mode == .live, let client = venueClient(settings: settings, target: target, assets: symbolAssets, instruments: instance.config.instruments) {
            rest = client.rest
            // Trades are asked from a minute before the last one recorded, or from this start.
            let since = (restored?.lastFillNs).map { $0 - 60_000_000_000 } ?? (started - 60_000_000_000)
            loop = ReconciliationLoop(
                processor: processor, client: client.account, instruments: instance.config.instruments,
                intervalNs: Int64(settings.account.reconcileIntervalMillis) * 1_000_000,
                weightBudgetPerMinute: settings.account.weightBudgetPerMinute, tradesSinceNs: since, startedNs: started,
                logger: logger)
        }
        let run = AccountRun(
            processor: processor, recorder: writer, reconciliation: loop, killSwitch: killSwitch,
            consumption: consumption, restClient: rest, logger: logger)
        run.tape = tape
        if let loop {
            run.task = Task { await loop.run() }
            signal(SIGUSR1, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: SIGUSR1, queue: DispatchQueue(label: "tickwire.reconcile"))
            source.setEventHandler { loop.trigger() }
            source.resume()
            run.reconcileSignal = source
        }
        return run
    }

    /// The venue's account over signed REST: the sim with its own test key, Binance with the credentials.
    private static func venueClient(
        settings: StartSettings, target: FeedTarget, assets: [SymbolAssets], instruments: [Instrument]
    ) -> (account: BinanceAccountClient, rest: RESTClient)? {
        let key: String, secret: String
        if target.venue == .sim {
            key = ExchangeSimServer.Configuration.defaultAPIKey
            secret = ExchangeSimServer.Configuration.defaultAPISecret
        } else if let credentials = settings.trading.credentials {
            key = credentials.apiKey
            secret = credentials.apiSecret
        } else {
            return nil
        }
        let rest = RESTClient(endpoint: target.rest, caFile: target.caFile, verify: target.verify)
        let byName = Dictionary(zip(instruments.map(\.symbol), assets), uniquingKeysWith: { first, _ in first })
        let client = BinanceAccountClient(
            client: rest, apiKey: key, apiSecret: secret, market: target.venue == .binanceFutures ? .usdm : .spot,
            venue: target.venue.venueName, assets: byName)
        return (client, rest)
    }

    /// Stops reconciliation, drains the journal into the account and the recorder, stops both threads.
    func stop() async {
        reconcileSignal?.cancel()
        task?.cancel()
        _ = await task?.value
        tape?.stop()
        processor.stop()
        recorder?.stop()
        await restClient?.shutdown()
    }
}

import EngineModel
import ExchangeSim
import Foundation
import Matching
import Strategy

/// Runs strategies over a recording, on the recording's clock, as fast as the machine allows:
/// recorded events drive the Matching engine's replayed books and the strategy host; the host's
/// orders reach the matching engine after the configured latency; its answers and fills go back
/// to the host. Deterministic: nothing depends on the wall clock except the timing figures.
public final class Backtester {
    /// The account every backtest order belongs to.
    static let account: AccountID = "backtest"

    struct Listed {
        let market: SimMarket
        let instrument: Instrument
    }

    struct Pending {
        let at: Int64
        let action: DeskAction
    }

    let settings: BacktestSettings
    let events: [RecordedEvent]
    let listed: [Listed]
    let instruments: [Instrument]
    private var index: [SimMarket: [String: Int]] = [:]
    private var engines: [SimMarket: MatchingEngine] = [:]
    private var seeded: [Bool]
    private var snapshotIds: [Int64]
    let host: StrategyHost
    private let books: ReplayBooks
    private var ledger: BacktestLedger
    private var queue: [Pending] = []
    private var queueHead = 0
    private var marks: [Int64?]
    private var now: Int64 = 0
    private var report = BacktestReport.Builder()
    private var nextSample: Int64 = .min
    private var strategyOfOrder: [String: UInt32] = [:]
    /// Sees every order as it is sent, with its instrument's quote at that moment (tests, tracing).
    public var observe: ((OrderIntent, Quote?) -> Void)?
    private var lastQuote: [Quote?] = []

    /// A backtest of `recording` with `settings`; throws when a strategy's symbol is not recorded.
    public init(recording: ReplayRecording, settings: BacktestSettings) throws(BacktestError) {
        self.settings = settings
        var listed: [Listed] = []
        for (market, venue) in [(SimMarket.spot, "binance"), (.usdm, "binance-futures")] {
            for instrument in recording.instruments(market, venue: venue)
            where settings.symbols.isEmpty || settings.symbols.contains(instrument.symbol)
                || settings.symbols.contains("\(venue):\(instrument.symbol)")
            {
                listed.append(Listed(market: market, instrument: instrument))
            }
        }
        guard !listed.isEmpty else {
            throw BacktestError("the recording holds no depth data for \(settings.symbols.isEmpty ? "any symbol" : settings.symbols.joined(separator: ", "))")
        }
        self.listed = listed
        instruments = listed.map(\.instrument)
        events = recording.events()
        seeded = Array(repeating: false, count: listed.count)
        snapshotIds = Array(repeating: 0, count: listed.count)
        marks = Array(repeating: nil, count: listed.count)
        lastQuote = Array(repeating: nil, count: listed.count)
        ledger = BacktestLedger(instruments: instruments)
        for (i, entry) in listed.enumerated() { index[entry.market, default: [:]][entry.instrument.symbol] = i }
        for market in Set(listed.map(\.market)) {
            var exponents: [String: Int8] = [:]
            for entry in listed where entry.market == market {
                let (base, quote) = Instrument.assets(ofSymbol: entry.instrument.symbol)
                exponents[base] = min(exponents[base] ?? -8, entry.instrument.quantityExponent)
                exponents[quote] = min(exponents[quote] ?? -8, -8)
            }
            var engine = MatchingEngine(
                configuration: .init(
                    commissions: market == .spot ? settings.spotCommissions : settings.usdmCommissions,
                    assetExponents: exponents, seed: settings.seed))
            for entry in listed where entry.market == market {
                let (base, quote) = Instrument.assets(ofSymbol: entry.instrument.symbol)
                engine.addSymbol(SymbolSpec(instrument: entry.instrument, baseAsset: base, quoteAsset: quote), mode: .shadow)
            }
            for asset in exponents.keys.sorted() {
                var units: Int64 = 1_000_000_000
                while units > 0,
                    (try? engine.deposit(account: Self.account, asset: asset, amount: Quantity(mantissa: units, exponent: 0), now: 0)) == nil
                {
                    units /= 10
                }
            }
            engines[market] = engine
        }
        books = ReplayBooks()
        do {
            host = try StrategyHost(
                instruments: instruments, books: books, limits: settings.limits, aggregation: settings.aggregation,
                clientIdPrefix: "bt", measure: { DispatchTime.now().uptimeNanoseconds })
        } catch {
            throw BacktestError("\(error)")
        }
        books.backtester = self
        for config in settings.strategies {
            guard let strategy = StrategyRegistry.make(type: config.type, name: config.name) else {
                throw BacktestError("strategy \(config.name): unknown type '\(config.type)' (known: \(StrategyRegistry.types.joined(separator: ", ")))")
            }
            host.add(strategy, config: config)
            if let reason = host.statuses.last?.reason, config.enabled {
                throw BacktestError(reason)
            }
        }
        host.figures = { [unowned self] in
            let equity = ledger.realized - ledger.fees + ledger.unrealized(marks)
            return RiskFigures(dailyPnl: equity, drawdown: report.peak - equity, equity: 0)
        }
    }

    /// Runs the whole recording and returns the report.
    public func run() -> BacktestReport {
        let started = DispatchTime.now().uptimeNanoseconds
        var kills = settings.killSwitch.sorted { $0.timeNs < $1.timeNs }[...]
        var reloads = settings.reloads.sorted { $0.timeNs < $1.timeNs }[...]
        var handled = 0
        for event in events {
            guard let i = index[event.market]?[event.symbol] else { continue }
            drain(until: event.time)
            now = event.time
            while let k = kills.first, k.timeNs <= now {
                kills = kills.dropFirst()
                enqueue(host.setTradingState(k.state))
                report.note("kill switch \(k.state.rawValue) at \(k.timeNs)")
            }
            while let r = reloads.first, r.timeNs <= now {
                reloads = reloads.dropFirst()
                do {
                    enqueue(try host.reload(r.strategies, limits: settings.limits, aggregation: settings.aggregation))
                    report.note("reload at \(r.timeNs)")
                } catch {
                    report.note("reload refused at \(r.timeNs): \(error)")
                }
            }
            handled += 1
            apply(event, i)
            sample(force: false)
        }
        drain(until: .max)
        sample(force: true)
        let wall = DispatchTime.now().uptimeNanoseconds - started
        return report.build(
            ledger: ledger, marks: marks, instruments: instruments, host: host, events: handled, wallNs: wall,
            startNs: events.first?.time ?? 0, endNs: now)
    }

    // MARK: Market data

    private func apply(_ event: RecordedEvent, _ i: Int) {
        let symbol = event.symbol
        var produced: [VenueEvent] = []
        switch event.kind {
        case .snapshot(let depth):
            produced = (try? engines[event.market]!.loadReplaySnapshot(symbol: symbol, depth, now: now)) ?? []
            seeded[i] = true
            snapshotIds[i] = depth.lastUpdateId
            handle(produced, i)
            publishTop(i, event.market)
        case .depth(let bids, let asks, let first, let last):
            guard seeded[i] else { return }
            let id = snapshotIds[i]
            guard event.market == .spot ? last > id : last >= id else { return }
            produced = (try? engines[event.market]!.applyReplayUpdate(
                symbol: symbol, bids: bids, asks: asks, firstUpdateId: first, lastUpdateId: last, now: now)) ?? []
            handle(produced, i)
            publishTop(i, event.market)
        case .bookTicker(let bid, let ask, _):
            let inst = instruments[i]
            guard let b = try? bid.price.rescaled(to: inst.priceExponent), let a = try? ask.price.rescaled(to: inst.priceExponent),
                let bq = try? bid.quantity.rescaled(to: inst.quantityExponent),
                let aq = try? ask.quantity.rescaled(to: inst.quantityExponent)
            else { return }
            let quote = Quote(bidPrice: b.mantissa, bidQuantity: bq.mantissa, askPrice: a.mantissa, askQuantity: aq.mantissa)
            enqueue(host.onMarket(MarketUpdate(instrument: i, timeNs: now, kind: .bbo(quote))))
        case .trade(_, let price, let quantity, let buyerIsMaker):
            let inst = instruments[i]
            guard let p = try? price.rescaled(to: inst.priceExponent), let q = try? quantity.rescaled(to: inst.quantityExponent)
            else { return }
            let aggressor: Side? = buyerIsMaker.map { $0 ? .sell : .buy }
            enqueue(host.onMarket(MarketUpdate(instrument: i, timeNs: now, kind: .trade(price: p.mantissa, quantity: q.mantissa, aggressor: aggressor))))
        }
    }

    /// Hands the replayed book's new top to the host.
    private func publishTop(_ i: Int, _ market: SimMarket) {
        guard let ticker = try? engines[market]!.bookTicker(symbol: instruments[i].symbol) else { return }
        let quote = Quote(
            bidPrice: ticker.bestBid?.price.mantissa ?? 0, bidQuantity: ticker.bestBid?.quantity.mantissa ?? 0,
            askPrice: ticker.bestAsk?.price.mantissa ?? 0, askQuantity: ticker.bestAsk?.quantity.mantissa ?? 0)
        marks[i] = quote.mid ?? marks[i]
        lastQuote[i] = quote
        enqueue(host.onMarket(MarketUpdate(instrument: i, timeNs: now, kind: .book(quote))))
    }

    /// Levels of the replayed book, for strategies that read depth.
    func levels(_ i: Int, depth: Int) -> (bids: [Level], asks: [Level])? {
        guard seeded[i], let snapshot = try? engines[listed[i].market]!.depth(symbol: instruments[i].symbol, limit: depth)
        else { return nil }
        return (
            snapshot.bids.map { Level(price: $0.price.mantissa, quantity: $0.quantity.mantissa) },
            snapshot.asks.map { Level(price: $0.price.mantissa, quantity: $0.quantity.mantissa) }
        )
    }

    // MARK: Orders

    private func enqueue(_ actions: [DeskAction]) {
        for action in actions { queue.append(Pending(at: now + settings.latencyNs, action: action)) }
    }

    /// Sends every queued action due by `time` (and what their answers cause, when also due).
    private func drain(until time: Int64) {
        while queueHead < queue.count, queue[queueHead].at <= time {
            let pending = queue[queueHead]
            queueHead += 1
            now = max(now, pending.at)
            send(pending.action)
            if queueHead > 4096 && queueHead * 2 > queue.count {
                queue.removeFirst(queueHead)
                queueHead = 0
            }
        }
    }

    private func send(_ action: DeskAction) {
        switch action {
        case .place(let intent):
            let inst = instruments[intent.instrument]
            let market = listed[intent.instrument].market
            let price = Price(mantissa: intent.price, exponent: inst.priceExponent)
            let quantity = Quantity(mantissa: intent.quantity, exponent: inst.quantityExponent)
            let request: NewOrder =
                intent.type == .limitMaker
                ? .limitMaker(inst.symbol, intent.side, price: price, quantity: quantity, clientOrderId: intent.clientOrderId)
                : intent.type == .market
                    ? .market(inst.symbol, intent.side, quantity: quantity, clientOrderId: intent.clientOrderId)
                    : .limit(inst.symbol, intent.side, price: price, quantity: quantity, timeInForce: intent.timeInForce, clientOrderId: intent.clientOrderId)
            strategyOfOrder[intent.clientOrderId] = intent.strategyId
            observe?(intent, lastQuote[intent.instrument])
            report.placed(strategy: intent.strategyId)
            do {
                let result = try engines[market]!.placeOrder(request, account: Self.account, now: now)
                handle(result.events, intent.instrument)
            } catch {
                report.outcome(.rejected)
                enqueue(
                    host.onOrderUpdate(
                        OrderStatusUpdate(
                            instrument: intent.instrument, clientOrderId: intent.clientOrderId, side: intent.side,
                            status: .rejected, text: "\(error.code) \(error.msg)", timeNs: now)))
            }
        case .cancel(let i, let id, _):
            let market = listed[i].market
            if let result = try? engines[market]!.cancelOrder(
                symbol: instruments[i].symbol, account: Self.account, order: .clientOrderId(id), now: now)
            {
                handle(result.events, i)
            }
        }
    }

    /// The matching engine's events for the backtest account: fills to the ledger and the host,
    /// order states to the host.
    private func handle(_ events: [VenueEvent], _ i: Int) {
        for event in events {
            guard let r = event.executionReport, r.account == Self.account else { continue }
            let status: OrderStatusUpdate.Status
            switch r.executionType {
            case .new: status = .open
            case .trade: status = r.order.status == .filled ? .filled : .partiallyFilled
            case .canceled: status = .canceled
            case .expired: status = .expired
            case .rejected: status = .rejected
            case .replaced: continue
            }
            if r.executionType == .trade {
                let inst = instruments[i]
                let price = (try? r.lastPrice.rescaled(to: inst.priceExponent).mantissa) ?? 0
                let quantity = (try? r.lastQty.rescaled(to: inst.quantityExponent).mantissa) ?? 0
                let fee = feeInQuote(r, inst, price: price)
                let made = ledger.fill(i, side: r.order.side, price: price, quantity: quantity, fee: fee)
                report.fill(
                    BacktestFill(
                        timeNs: now, symbol: inst.symbol, venue: inst.venue, side: r.order.side.name,
                        price: "\(Price(mantissa: price, exponent: inst.priceExponent))",
                        quantity: "\(Quantity(mantissa: quantity, exponent: inst.quantityExponent))",
                        fee: BacktestReport.decimal(fee), maker: r.isMaker, clientOrderId: r.clientOrderId,
                        strategy: strategyName(r.clientOrderId), realizedPnl: BacktestReport.decimal(made)))
                enqueue(
                    host.onFill(
                        StrategyFill(
                            instrument: i, clientOrderId: r.clientOrderId, side: r.order.side, price: price,
                            quantity: quantity, isMaker: r.isMaker, timeNs: now), realizedPnl: Double(made) / 1e8))
                sample(force: true)
            }
            if status.isFinal { report.outcome(status) }
            enqueue(
                host.onOrderUpdate(
                    OrderStatusUpdate(instrument: i, clientOrderId: r.clientOrderId, side: r.order.side, status: status, timeNs: now)))
        }
    }

    private func strategyName(_ clientOrderId: String) -> String {
        guard let id = strategyOfOrder[clientOrderId] else { return "" }
        if id == StrategyHost.aggregateId { return aggregateStrategyName }
        return host.statuses.first { $0.id == id }?.name ?? ""
    }

    /// The commission in the quote asset at 1e-8: quote-asset fees as they are, base-asset fees
    /// at the fill price.
    private func feeInQuote(_ r: ExecutionReport, _ inst: Instrument, price: Int64) -> Int64 {
        let c = r.commission
        guard c.mantissa != 0 else { return 0 }
        let (base, _) = Instrument.assets(ofSymbol: inst.symbol)
        if r.commissionAsset == base {
            let q = (try? c.rescaled(to: inst.quantityExponent).mantissa) ?? 0
            return LimitGuard.notional(price: price, quantity: q, inst)
        }
        return (try? c.rescaled(to: RiskLimits.scale).mantissa) ?? 0
    }

    /// Adds a point to the equity curve each sampling interval of recorded time (and at fills).
    private func sample(force: Bool) {
        guard force || now >= nextSample else { return }
        if nextSample == .min || now >= nextSample {
            nextSample = (now / settings.sampleIntervalNs + 1) * settings.sampleIntervalNs
        }
        let equity = ledger.realized - ledger.fees + ledger.unrealized(marks)
        report.point(timeNs: now, equity: equity, positions: ledger.holdings.map(\.quantity))
    }
}

/// The replayed books as strategies read them.
final class ReplayBooks: BookSource {
    weak var backtester: Backtester?
    func levels(_ instrument: Int, depth: Int) -> (bids: [Level], asks: [Level])? {
        backtester?.levels(instrument, depth: depth)
    }
}

import Account
import ControlPlane
import EngineKit
import EngineModel
import Execution
import Foundation
import StrategyRuntime
import Trading

/// The running engine as the control plane sees it: the same read-only views of the segments the
/// ops commands use (books, stats, the exec journal folded through the order state machine, the
/// strategy runner's report), the account in this process, and a command lane of its own for
/// the operator's orders and the kill switch. Reads take one lock, never a pinned core's time.
final class EngineControl: ControlSource, @unchecked Sendable {
    let stacks: [VenueStack]
    let views: [InstanceView]
    let runsStrategies: Bool
    /// Held while reading the segments and folding the journal.
    let lock = NSLock()
    var tallies: [JournalTally]
    /// Held while a command waits for its answer (one at a time through the lane).
    let commandLock = NSLock()
    var sessions: [Int: CommandSession] = [:]
    let queue = DispatchQueue(label: "tickwire.control.commands")

    init(stacks: [VenueStack], runsStrategies: Bool) throws {
        self.stacks = stacks
        self.runsStrategies = runsStrategies
        views = try stacks.map { try InstanceView(instance: $0.settings.instance) }
        tallies = try views.map { try JournalTally(view: $0) }
    }

    /// Symbols, the USD-M ones with "@usdm" when the engine runs both markets.
    var symbols: [String] {
        views.enumerated().flatMap { n, view in view.books.instruments.map { n == 0 ? $0.symbol : "\($0.symbol)@usdm" }
        }
    }

    /// The view and instrument index of a symbol as `symbols` names it.
    func locate(_ symbol: String) -> (stack: Int, index: Int)? {
        let upper = symbol.uppercased()
        if upper.hasSuffix("@USDM"), views.count > 1 {
            return views[1].books.index(of: String(upper.dropLast(5))).map { (1, $0) }
        }
        return views[0].books.index(of: upper).map { (0, $0) }
    }

    func status() -> JSONValue {
        lock.withLock {
            var object = JSONValue(any: views[0].statusObject())
            if views.count > 1, case .object(var members) = object {
                members["other_instances"] = .array(views.dropFirst().map { JSONValue(any: $0.statusObject()) })
                object = .object(members)
            }
            return object
        }
    }

    func book(symbol: String, depth: Int) -> JSONValue? {
        guard let (stack, index) = locate(symbol) else { return nil }
        return lock.withLock {
            let view = views[stack]
            let entry = view.books.instruments[index]
            let why = view.health(index)
            guard let book = try? view.books.snapshot(index, levels: depth) else {
                return [
                    "symbol": .string(entry.symbol), "state": .string(view.books.feedState(index).label), "bids": [],
                    "asks": [], "reason": .string(why.name), "reason_text": .string(why.text),
                ]
            }
            func side(_ levels: [BookLevel]) -> JSONValue {
                .array(
                    levels.map {
                        [
                            .string(decimal($0.price, entry.priceExponent)),
                            .string(decimal($0.quantity, entry.quantityExponent)),
                        ]
                    })
            }
            return [
                "symbol": .string(entry.symbol), "venue": .string(entry.venue), "update_id": .int(Int64(book.updateId)),
                "exchange_ns": .int(book.exchangeNs), "recv_ns": .int(book.receiveNs), "stale": .bool(book.stale),
                "state": .string(view.books.feedState(index).label), "reason": .string(why.name),
                "reason_text": .string(why.text), "bids": side(book.bids), "asks": side(book.asks),
            ]
        }
    }

    func orders(openOnly: Bool) -> [JSONValue] {
        lock.withLock {
            tallies.indices.flatMap { n -> [JSONValue] in
                tallies[n].advance()
                return tallies[n].board.orders.filter { !openOnly || $0.state.isOpen }
                    .map { JSONValue(any: Orders.object($0, view: views[n])) }
            }
        }
    }

    func strategies() -> JSONValue? {
        guard runsStrategies, let path = StrategyRunner.statusPath(instance: views[0].name),
            let data = FileManager.default.contents(atPath: path),
            let object = try? JSONSerialization.jsonObject(with: data)
        else { return nil }
        return JSONValue(any: object)
    }

    func alerts(limit: Int) -> [JSONValue] {
        let all = stacks.compactMap(\.account).flatMap { $0.processor.alertLog.recent(limit: limit) }
        return all.sorted { $0.timestamp > $1.timestamp }.prefix(limit).map(AccountShapes.alert)
    }

    var account: AccountFeed? {
        stacks.first?.account.map { AccountFeed(store: $0.processor.store, broadcaster: $0.processor.broadcaster) }
    }
}

/// The exec journal of one instance folded as it grows: the order board (the same state machine
/// as `engine orders`), and counts of what the metrics need, kept as records arrive so a sample
/// costs nothing per order already seen.
struct JournalTally {
    let journal: ExecJournalReader
    var board: OrderBoard
    /// Per "symbol|side": submitted, filled, canceled, maker and taker fills, new ack latencies.
    private var tallies: [String: OrderTally] = [:]
    /// Orders already counted as sent, acked, or closed filled/canceled.
    private var sent = Set<String>()
    private var acked = Set<String>()
    private var closed = Set<String>()

    init(view: InstanceView) throws {
        journal = try ExecJournalReader(instance: view.name, fromOldest: true)
        board = OrderBoard(instruments: try Orders.instruments(view: view))
    }

    /// Folds what the journal gained since the last call.
    mutating func advance() {
        var steps = 0
        while steps < 100_000, case .record(let record) = journal.poll() {
            steps += 1
            board.apply(record)
            guard case .report(let r) = record.body,
                let order = r.clientOrderId.isEmpty ? nil : board.order(clientOrderId: r.clientOrderId)
            else { continue }
            let key = "\(order.symbol)|\(order.side.name)"
            var t = tallies[key] ?? OrderTally(symbol: order.symbol, side: order.side.name)
            if r.type == .fill || r.type == .partialFill {
                if r.isMaker { t.makerFills += 1 } else { t.takerFills += 1 }
            }
            if let sentNs = order.times.sentNs {
                if sent.insert(order.clientOrderId).inserted { t.submitted += 1 }
                if let ack = order.times.ackedNs, acked.insert(order.clientOrderId).inserted {
                    t.newAckLatenciesMs.append(Double(max(0, ack - sentNs)) / 1e6)
                }
            }
            if order.state == .filled || order.state == .canceled, closed.insert(order.clientOrderId).inserted {
                if order.state == .filled { t.filled += 1 } else { t.canceled += 1 }
            }
            tallies[key] = t
        }
    }

    /// The counts so far; the ack latencies since the last call.
    mutating func take() -> [OrderTally] {
        advance()
        let out = tallies.keys.sorted().map { tallies[$0]! }
        for key in tallies.keys { tallies[key]!.newAckLatenciesMs = [] }
        return out
    }
}

extension EngineControl {
    func sample() -> EngineSample {
        lock.withLock {
            var s = EngineSample()
            s.nowNs = nowNs()
            let primary = views[0]
            s.startedNs = primary.stats.segment.createdNs
            s.state = primary.headerObject()["state"] as? String ?? "dead"
            if let killSwitch = stacks[0].trading?.killSwitch ?? stacks[0].account?.killSwitch {
                switch killSwitch.current.state {
                case .active: s.killSwitch = "normal"
                case .reducing: s.killSwitch = "reduce_only"
                case .halted: s.killSwitch = "halted"
                }
            }
            for view in views {
                for entry in view.books.instruments {
                    let c = view.stats.instrument(entry.index)
                    var state = view.books.feedState(entry.index).label
                    if state == "live", (try? view.books.snapshot(entry.index, levels: 1))?.stale == true {
                        state = "stale"
                    }
                    var f = FeedSample(
                        symbol: entry.symbol, venue: entry.venue, state: state,
                        connected: ["live", "syncing", "stale"].contains(state))
                    f.lastUpdateAgeMs = c.lastUpdateNs > 0 ? Double(s.nowNs - c.lastUpdateNs) / 1e6 : nil
                    f.messages = c.messages
                    f.bookUpdates = c.bookUpdates
                    f.trades = c.trades
                    f.malformed = c.malformed
                    f.gaps = c.gaps
                    f.resyncs = c.resyncs
                    f.reconnects = c.reconnects
                    f.bookTickerMismatches = c.bookTickerMismatches
                    (f.reason, f.reasonText) = view.health(entry.index)
                    s.feeds.append(f)
                }
                func counter(_ name: String) -> UInt64 {
                    globalCounterNames.first { $0.name == name }.map { view.stats.counter($0.index) } ?? 0
                }
                s.requestsAccepted += counter("cmd_accepted")
                s.requestsRejected += counter("cmd_rejected")
                s.requestsFailed += counter("rejected_journal_full") + counter("rejected_gateway")
                s.gatewayMalformed += counter("gw_malformed")
            }
            s.circuitBreaker = stacks.compactMap { $0.trading?.gate?.breakerGauge }.max() ?? 0
            for n in tallies.indices { s.orders += tallies[n].take() }
            if let report = strategies() {
                for st in report["strategies"]?.array ?? [] {
                    s.strategies.append(
                        StrategySample(
                            name: st["name"]?.string ?? "?", running: st["state"]?.string == "running", symbols: [],
                            signals: UInt64(st["signals"]?.int ?? 0), orders: UInt64(st["orders"]?.int ?? 0),
                            errors: UInt64(st["errors"]?.int ?? 0), overBudget: UInt64(st["over_budget"]?.int ?? 0)))
                }
                if case .object(let rejected)? = report["rejected_by_risk"] {
                    for (reason, n) in rejected { s.rejectedByRisk[reason] = UInt64(n.int ?? 0) }
                }
                if case .object(let aggregated)? = report["signals_aggregated"] {
                    for (symbol, n) in aggregated { s.signalsAggregated[symbol] = UInt64(n.int ?? 0) }
                }
            }
            s.account = accountSample()
            s.histograms = histograms(primary.stats)
            return s
        }
    }

    /// The account's figures in its quote asset.
    private func accountSample() -> AccountSample? {
        guard let run = stacks[0].account else { return nil }
        let snapshot = run.processor.store.snapshot
        var a = AccountSample()
        func value(_ amount: Amount) -> Double { Double(amount.e8) / 1e8 }
        let quote = snapshot.balances["USDT"] ?? snapshot.balances.values.first { $0.asset.hasPrefix("USD") }
        a.quoteAsset = quote?.asset ?? "USDT"
        a.balance = quote.map { value($0.total) } ?? 0
        a.available = quote.map { value($0.available) } ?? 0
        a.totalPnl = value(snapshot.pnl.totalPnl)
        a.realizedPnl = value(snapshot.pnl.realizedPnl)
        a.unrealizedPnl = value(snapshot.pnl.unrealizedPnl)
        a.dailyPnl = value(snapshot.pnl.dailyPnl)
        var bySymbol: [String: Double] = [:]
        var margin = 0.0
        for p in snapshot.positions.values where p.size.mantissa != 0 {
            let size = abs(Double(p.size.mantissa)) * pow(10, Double(p.size.exponent))
            let mark = (p.markPrice ?? p.entryPrice).map(value) ?? 0
            bySymbol[p.key.symbol, default: 0] += size * mark
            margin += p.marginUsed.map(value) ?? 0
        }
        a.positionCount = bySymbol.count
        a.positionValue = bySymbol
        let equity = a.balance + a.unrealizedPnl
        a.marginRatio = margin > 0 && equity > 0 ? margin / equity : nil
        let log = run.processor.alertLog
        a.reconciliationMismatches = log.mismatches
        a.alerts = log.counts
        return a
    }

    /// The stats segment's latency histograms under seed 002's names.
    private func histograms(_ stats: StatsReader) -> [HistogramSample] {
        func make(_ name: String, _ labels: [String: String], _ source: String, boundsMicros: [Double])
            -> HistogramSample
        {
            let ns = boundsMicros.map { UInt64($0 * 1000) }
            let index = histogramNames.first { $0.name == source }!.index
            let (counts, count, sum) = stats.cumulativeCounts(index, bounds: ns)
            return HistogramSample(
                name: name, labels: labels,
                buckets: Array(zip(boundsMicros, counts)).map { (bound: $0.0, count: $0.1) },
                count: count, sum: Double(sum) / 1000)
        }
        let micros: [Double] = [0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000, 10000]
        return [
            make(
                "processing_latency_microseconds", ["symbol": "all", "stage": "wire_to_publish"], "feed_wire_ns",
                boundsMicros: micros),
            make(
                "processing_latency_microseconds", ["symbol": "all", "stage": "book_write"], "book_write_ns",
                boundsMicros: micros),
            make(
                "strategy_execution_latency_microseconds", ["strategy": "all"], "strategy_exec_ns", boundsMicros: micros
            ),
            make(
                "strategy_execution_latency_microseconds", ["strategy": "event_to_order"], "strategy_path_ns",
                boundsMicros: micros),
        ]
    }
}

import EngineModel

/// The trading state the kill switch sets (mirrors the engine's kill switch).
public enum TradingState: String, Sendable {
    case active, reducing, halted
}

/// One strategy as the control plane shows it (`engine strategies`).
public struct StrategyStatus: Equatable, Sendable, Encodable {
    public var name: String
    public var type: String
    public var id: UInt32
    /// "running" or "disabled".
    public var state: String
    /// Why it is disabled (configuration, repeated errors).
    public var reason: String?
    public var signals: UInt64
    public var orders: UInt64
    public var rejected: UInt64
    public var errors: UInt64
    public var overBudget: UInt64
    public var calls: UInt64
    public var p50Ns: UInt64
    public var p99Ns: UInt64
    /// Signed positions by symbol (decimal text).
    public var positions: [String: String]
    /// What the strategy itself reports.
    public var detail: [String: String]
}

/// Runs strategies on one thread: routes market data by instrument, times each call, isolates
/// failures (an error skips that call and is counted; `maxConsecutiveErrors` in a row disable
/// the strategy with the reason), aggregates signals, plans orders on the desk and checks them
/// against the risk limits. The same host runs live (fed from the md ring and the exec journal)
/// and in a backtest (fed from the replay and the matching engine).
public final class StrategyHost {
    final class Slot {
        let strategy: Strategy
        var config: StrategyConfig
        let id: UInt32
        let context: StrategyContext
        var orderSizes: [Int: Int64] = [:]
        var disabledReason: String?
        var signals: UInt64 = 0, orders: UInt64 = 0, rejected: UInt64 = 0, errors: UInt64 = 0
        var overBudget: UInt64 = 0, consecutiveErrors = 0
        var latency = LatencyHistogram()
        var realized: Double = 0
        init(strategy: Strategy, config: StrategyConfig, id: UInt32, context: StrategyContext) {
            self.strategy = strategy
            self.config = config
            self.id = id
            self.context = context
        }
    }

    /// The strategy id of orders made from aggregated signals.
    public static let aggregateId: UInt32 = 1000

    public let instruments: [Instrument]
    private let books: BookSource?
    private var slots: [Slot] = []
    private var byInstrument: [[Slot]]
    public private(set) var desk: OrderDesk
    public private(set) var guardian: LimitGuard
    public private(set) var aggregator: SignalAggregator
    private var aggregateSizes: [Int: Int64] = [:]
    /// Signals out of the aggregator, by instrument (`signals_aggregated_total`).
    private var aggregated: [Int: Int] = [:]
    /// Engine-wide signed positions per instrument (every strategy), for the limits.
    public private(set) var positions: [Int64]
    private var quotes: [Quote?]
    /// The mid of every instrument (nil until known), kept for the exposure limits.
    private var marks: [Int64?]
    /// The kill switch as last set.
    public private(set) var tradingState: TradingState = .active
    private let measure: () -> UInt64
    /// A call longer than this is counted as over budget.
    public var budgetNs: UInt64
    /// Errors in a row that disable a strategy.
    public var maxConsecutiveErrors: Int
    /// Account figures for the loss, drawdown and leverage limits (nil: not known).
    public var figures: () -> RiskFigures?
    /// A strategy's realized PnL by its id, from the account (live); nil: the host's own sum of
    /// the `realizedPnl` handed to `onFill` (a backtest). Weighs `performance` aggregation.
    public var realizedPnl: ((UInt32) -> Double?)?
    /// Every strategy's calls, for the stats segment's histogram.
    public var onTimed: ((UInt64) -> Void)?
    /// Makes a fresh strategy of a type, to try a reloaded configuration on before the running
    /// one takes it (nil for a type it does not know: that configuration is not tried).
    public var factory: (_ type: String, _ name: String) -> Strategy? = StrategyRegistry.make

    /// A host over `instruments`; `measure` is a monotonic clock in ns (for call timing only:
    /// nothing a strategy decides depends on it).
    public init(
        instruments: [Instrument], books: BookSource?, limits: RiskLimits = RiskLimits(),
        aggregation: AggregationMethod = .independent, clientIdPrefix: String, measure: @escaping () -> UInt64,
        budgetNs: UInt64 = 500_000, maxConsecutiveErrors: Int = 5, figures: @escaping () -> RiskFigures? = { nil }
    ) throws(StrategyConfigError) {
        self.instruments = instruments
        self.books = books
        self.measure = measure
        self.budgetNs = budgetNs
        self.maxConsecutiveErrors = maxConsecutiveErrors
        self.figures = figures
        byInstrument = Array(repeating: [], count: instruments.count)
        positions = Array(repeating: 0, count: instruments.count)
        quotes = Array(repeating: nil, count: instruments.count)
        marks = Array(repeating: nil, count: instruments.count)
        desk = OrderDesk(instruments: instruments, clientIdPrefix: clientIdPrefix)
        guardian = try LimitGuard(limits: limits, instruments: instruments)
        aggregator = SignalAggregator(method: aggregation)
    }

    /// Adds a strategy under `config` (ids follow the order of adding, from 1). A strategy whose
    /// configuration is refused, or that is not enabled, is kept disabled with the reason.
    @discardableResult
    public func add(_ strategy: Strategy, config: StrategyConfig) -> UInt32 {
        let slot = Slot(
            strategy: strategy, config: config, id: UInt32(slots.count + 1),
            context: StrategyContext(instruments: instruments, books: books))
        slots.append(slot)
        configure(slot, config)
        aggregator.order.append(config.name)
        aggregator.weights[config.name] = config.weight
        return slot.id
    }

    private func configure(_ slot: Slot, _ config: StrategyConfig) {
        slot.config = config
        do {
            try slot.strategy.initialize(config, context: slot.context)
            var sizes: [Int: Int64] = [:]
            for i in slot.strategy.instruments { sizes[i] = try config.orderQuantity(instruments[i]) }
            slot.orderSizes = sizes
            for i in sizes.keys { aggregateSizes[i] = max(aggregateSizes[i] ?? 0, sizes[i]!) }
            slot.disabledReason = config.enabled ? nil : "disabled in the configuration"
        } catch {
            slot.disabledReason = "configuration refused: \(error)"
        }
        for i in byInstrument.indices { byInstrument[i].removeAll { $0 === slot } }
        if slot.disabledReason == nil { for i in slot.strategy.instruments { byInstrument[i].append(slot) } }
    }

    /// Re-reads parameters and limits (hot reload). Everything is checked first: a bad
    /// configuration throws one clear error and changes nothing. Strategies are matched by name;
    /// none may be added or removed without a restart.
    public func reload(_ configs: [StrategyConfig], limits: RiskLimits, aggregation: AggregationMethod)
        throws(StrategyConfigError) -> [DeskAction]
    {
        guard Set(configs.map(\.name)) == Set(slots.map(\.config.name)), configs.count == slots.count else {
            throw StrategyConfigError(
                "reload: the strategies must stay \(slots.map(\.config.name).joined(separator: ", ")) (adding or removing one needs a restart)")
        }
        var trial = guardian
        try trial.apply(limits)
        for config in configs {
            let slot = slots.first { $0.config.name == config.name }!
            guard config.type == slot.config.type else {
                throw StrategyConfigError("reload: strategy \(config.name) cannot change type (\(slot.config.type) → \(config.type))")
            }
            for symbol in config.symbols where slot.context.index(of: symbol) == nil {
                throw StrategyConfigError("reload: strategy \(config.name): symbol \(symbol) is not one of the engine's instruments")
            }
            for i in slot.strategy.instruments { _ = try config.orderQuantity(instruments[i]) }
            if let probe = factory(config.type, config.name) {
                do {
                    try probe.initialize(config, context: StrategyContext(instruments: instruments, books: nil))
                } catch let error as StrategyConfigError {
                    throw StrategyConfigError("reload: \(error)")
                } catch {
                    throw StrategyConfigError("reload: strategy \(config.name): \(error)")
                }
            }
        }
        guardian = trial
        aggregator.method = aggregation
        var actions: [DeskAction] = []
        for config in configs {
            let slot = slots.first { $0.config.name == config.name }!
            let wasRunning = slot.disabledReason == nil
            configure(slot, config)
            if wasRunning && slot.disabledReason != nil { actions += desk.cancelAll(strategyId: slot.id) }
            aggregator.weights[config.name] = config.weight
        }
        return actions
    }

    /// Sets the kill switch: halting cancels every working order; reducing lets only orders that
    /// reduce a position pass.
    public func setTradingState(_ state: TradingState) -> [DeskAction] {
        tradingState = state
        if state != .active { desk.dropDeferred() }
        return state == .halted ? desk.cancelAll() : []
    }

    /// A market event: strategies of its instrument run, then their signals become orders.
    public func onMarket(_ update: MarketUpdate) -> [DeskAction] {
        var actions: [DeskAction] = []
        onMarket(update) { actions.append($0) }
        return actions
    }

    /// `onMarket`, handing each approved action to `emit` as soon as it is approved (the runner
    /// sends a strategy's first order before the host plans the next one).
    public func onMarket(_ update: MarketUpdate, emit: (DeskAction) -> Void) {
        if let quote = update.quote {
            quotes[update.instrument] = quote
            if let mid = quote.mid { marks[update.instrument] = mid }
            for slot in slots { slot.context.quotes[update.instrument] = quote }
        }
        let subscribed = byInstrument[update.instrument]
        if subscribed.count == 1, let slot = subscribed.first, slot.disabledReason == nil {
            slot.context.now = update.timeNs
            let signals = call(slot, update.timeNs) { try $0.onMarketData(update, context: slot.context) }
            return route(signals, now: update.timeNs, emit: emit)
        }
        var signals: [Signal] = []
        for slot in subscribed where slot.disabledReason == nil {
            slot.context.now = update.timeNs
            signals += call(slot, update.timeNs) { try $0.onMarketData(update, context: slot.context) }
        }
        route(signals, now: update.timeNs, emit: emit)
    }

    /// An order changed state (its owner is found by client order id; others are ignored).
    public func onOrderUpdate(_ update: OrderStatusUpdate) -> [DeskAction] {
        guard let owner = desk.update(update) else { return [] }
        // A wish that waited on this answer goes out now (through the same checks).
        let slot = slots.first { $0.id == owner }
        var actions: [DeskAction] = []
        if slot?.disabledReason == nil || owner == Self.aggregateId {
            actions = approve(desk.resume(after: update, strategyId: owner), slot: slot, now: update.timeNs)
        }
        guard let slot, slot.disabledReason == nil else { return actions }
        slot.context.now = update.timeNs
        return actions + route(call(slot, update.timeNs) { try $0.onOrderUpdate(update, context: slot.context) }, now: update.timeNs)
    }

    /// A fill: positions move (engine-wide and the owner's), then the owner hears of the fill
    /// and of its new position. Fills of orders not made here still move the engine's position.
    public func onFill(_ fill: StrategyFill, realizedPnl: Double = 0) -> [DeskAction] {
        let signed = fill.side == .buy ? fill.quantity : -fill.quantity
        positions[fill.instrument] += signed
        guard let owner = desk.owner(of: fill.clientOrderId) else { return [] }
        let owners = owner == Self.aggregateId ? slots.filter { $0.strategy.instruments.contains(fill.instrument) }
            : slots.filter { $0.id == owner }
        var signals: [Signal] = []
        for slot in owners {
            slot.context.positions[fill.instrument] += signed
            slot.realized += realizedPnl
            guard slot.disabledReason == nil else { continue }
            slot.context.now = fill.timeNs
            signals += call(slot, fill.timeNs) { try $0.onFill(fill, context: slot.context) }
            let position = PositionUpdate(instrument: fill.instrument, quantity: slot.context.positions[fill.instrument], timeNs: fill.timeNs)
            signals += call(slot, fill.timeNs) { try $0.onPositionUpdate(position, context: slot.context) }
        }
        return route(signals, now: fill.timeNs)
    }

    /// The order path refused an intent after the host approved it (a full lane, the intake's
    /// own risk): the desk forgets it.
    public func refused(_ clientOrderId: String) { desk.refused(clientOrderId) }

    /// Every strategy's status.
    public var statuses: [StrategyStatus] {
        slots.map { slot in
            var positions: [String: String] = [:]
            for (i, q) in slot.context.positions.enumerated() where q != 0 || slot.strategy.instruments.contains(i) {
                positions[label(i)] = signedDecimal(q, exponent: instruments[i].quantityExponent)
            }
            return StrategyStatus(
                name: slot.config.name, type: slot.config.type, id: slot.id,
                state: slot.disabledReason == nil ? "running" : "disabled", reason: slot.disabledReason,
                signals: slot.signals, orders: slot.orders, rejected: slot.rejected, errors: slot.errors,
                overBudget: slot.overBudget, calls: slot.latency.count, p50Ns: slot.latency.percentile(0.5),
                p99Ns: slot.latency.percentile(0.99), positions: positions,
                detail: slot.disabledReason == nil ? slot.strategy.state : [:])
        }
    }

    /// An instrument's name in reports: its symbol, or `venue:symbol` when two venues list it.
    private func label(_ i: Int) -> String {
        let symbol = instruments[i].symbol
        return instruments.filter { $0.symbol == symbol }.count > 1 ? "\(instruments[i].venue):\(symbol)" : symbol
    }

    /// Refusals by the limits, by reason.
    public var rejectedByRisk: [String: Int] {
        Dictionary(uniqueKeysWithValues: guardian.rejected.map { ($0.key.rawValue, $0.value) })
    }

    /// Signals the aggregator passed on (combined or, under `independent`, as they came), by symbol.
    public var signalsAggregated: [String: Int] {
        aggregated.reduce(into: [:]) { $0[label($1.key), default: 0] += $1.value }
    }

    /// Runs one strategy call, timed and isolated.
    private func call(_ slot: Slot, _ now: Int64, _ body: (Strategy) throws -> [Signal]) -> [Signal] {
        let start = measure()
        let result: [Signal]
        do {
            result = try body(slot.strategy)
            slot.consecutiveErrors = 0
        } catch {
            slot.errors += 1
            slot.consecutiveErrors += 1
            if slot.consecutiveErrors >= maxConsecutiveErrors {
                slot.disabledReason = "\(slot.consecutiveErrors) errors in a row; the last: \(error)"
                for i in byInstrument.indices { byInstrument[i].removeAll { $0 === slot } }
            }
            result = []
        }
        let elapsed = measure() &- start
        slot.latency.record(elapsed)
        onTimed?(elapsed)
        if elapsed > budgetNs { slot.overBudget += 1 }
        guard !result.isEmpty else { return result }
        var signals = result
        for i in signals.indices {
            signals[i].strategy = slot.config.name
            if signals[i].timeNs == 0 { signals[i].timeNs = now }
        }
        return signals
    }

    /// Aggregates, plans and checks signals; returns the approved actions.
    private func route(_ raw: [Signal], now: Int64) -> [DeskAction] {
        var actions: [DeskAction] = []
        route(raw, now: now) { actions.append($0) }
        return actions
    }

    /// Aggregates, plans and checks signals, handing each approved action to `emit` in order.
    private func route(_ raw: [Signal], now: Int64, emit: (DeskAction) -> Void) {
        guard !raw.isEmpty else { return }
        let signals: [Signal]
        switch aggregator.method {
        case .independent:
            signals = raw
        case .weighted(byPerformance: true):
            let figures = slots.map { ($0.config.name, realizedPnl?($0.id) ?? $0.realized) }
            signals = aggregator.combine(raw, performance: Dictionary(uniqueKeysWithValues: figures))
        default:
            signals = aggregator.combine(raw)
        }
        for signal in signals {
            aggregated[signal.instrument, default: 0] += 1
            if signal.strategy == aggregateStrategyName {
                guard let size = aggregateSizes[signal.instrument] else { continue }
                let planned = desk.plan(signal, strategyId: Self.aggregateId, orderSize: size, quote: quotes[signal.instrument])
                approve(planned, slot: nil, now: now, emit: emit)
                continue
            }
            guard let slot = slots.first(where: { $0.config.name == signal.strategy }) else { continue }
            slot.signals += 1
            guard let size = slot.orderSizes[signal.instrument] else { continue }
            let planned = desk.plan(signal, strategyId: slot.id, orderSize: size, quote: quotes[signal.instrument])
            approve(planned, slot: slot, now: now, emit: emit)
        }
    }

    /// Checks each new order against the kill switch and the limits; refused ones are forgotten.
    private func approve(_ planned: [DeskAction], slot: Slot?, now: Int64) -> [DeskAction] {
        var approved: [DeskAction] = []
        approve(planned, slot: slot, now: now) { approved.append($0) }
        return approved
    }

    private func approve(_ planned: [DeskAction], slot: Slot?, now: Int64, emit: (DeskAction) -> Void) {
        for action in planned {
            guard case .place(let intent) = action else {
                emit(action)
                continue
            }
            if check(intent, now: now) != nil {
                desk.refused(intent.clientOrderId)
                slot?.rejected += 1
                continue
            }
            slot?.orders += 1
            emit(action)
        }
    }

    private func check(_ intent: OrderIntent, now: Int64) -> LimitRejection? {
        let held = positions[intent.instrument]
        let signed = intent.side == .buy ? intent.quantity : -intent.quantity
        let reduces = held != 0 && (held > 0) != (signed > 0) && intent.quantity <= abs(held)
        switch tradingState {
        case .halted:
            guardian.count(.killSwitch)
            return LimitRejection(.killSwitch, "trading halted")
        case .reducing where !reduces:
            guardian.count(.killSwitch)
            return LimitRejection(.killSwitch, "reducing: only orders that reduce a position pass")
        default:
            break
        }
        guard guardian.isActive else { return nil }
        // Working orders on the same side count as if filled.
        let pending = desk.working(intent.instrument, intent.side) - intent.quantity
        let adjust = intent.side == .buy ? pending : -pending
        let positions = self.positions, marks = self.marks, figures = self.figures
        return guardian.check(
            instrument: intent.instrument, side: intent.side, quantity: intent.quantity, price: intent.price,
            position: { $0 == intent.instrument ? positions[$0] + adjust : positions[$0] }, mark: { marks[$0] },
            figures: figures, now: now)
    }
}

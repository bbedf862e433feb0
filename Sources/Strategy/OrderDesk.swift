import EngineModel

/// An order the desk wants sent: mantissas at the instrument's exponents.
public struct OrderIntent: Equatable, Sendable {
    public var instrument: Int
    public var side: Side
    public var type: OrderType
    public var timeInForce: TimeInForce
    public var price: Int64
    public var quantity: Int64
    public var strategyId: UInt32
    public var clientOrderId: String
    public var reason: String
}

/// What the desk asks the order path to do.
public enum DeskAction: Equatable, Sendable {
    case place(OrderIntent)
    case cancel(instrument: Int, clientOrderId: String, strategyId: UInt32)
}

/// Turns signals into orders (FR-SE-004): at most one working order per strategy, instrument and
/// side; a changed wish replaces it (the new order, then the cancel of the old), strength 0 cancels it. Urgency decides
/// the order: passive → LIMIT_MAKER at the price hint, normal → LIMIT_MAKER at the touch,
/// aggressive → LIMIT IOC at the opposite touch (or the hint when that is further). The size is
/// the strategy's order size × strength, rounded down to the step. I/O free; one thread.
public struct OrderDesk: Sendable {
    struct Key: Hashable, Sendable {
        let strategyId: UInt32
        let instrument: Int
        let side: Side
    }

    struct Working: Sendable {
        let key: Key
        let price: Int64
        let quantity: Int64
        var state: State
        enum State: Sendable { case pending, open, cancelPending }
    }

    private let instruments: [Instrument]
    private let prefix: String
    private var next: UInt64 = 1
    private var current: [Key: String] = [:]
    private var orders: [String: Working] = [:]
    /// Working quantity per instrument and side (index × 2, + 1 for sell), kept as orders come and go.
    private var workingQuantity: [Int64]
    /// The latest wish of a key whose order was not yet acknowledged: planned when it is.
    private var deferred: [Key: (signal: Signal, orderSize: Int64, quote: Quote?)] = [:]

    /// A desk for `instruments`; client order ids start with `prefix` (≤ 16 of [A-Za-z0-9]).
    public init(instruments: [Instrument], clientIdPrefix prefix: String) {
        self.instruments = instruments
        self.prefix = prefix
        workingQuantity = Array(repeating: 0, count: instruments.count * 2)
    }

    /// The orders a signal needs, given the strategy's full order size and the instrument's quote.
    public mutating func plan(_ signal: Signal, strategyId: UInt32, orderSize: Int64, quote: Quote?) -> [DeskAction] {
        let instrument = instruments[signal.instrument]
        let key = Key(strategyId: strategyId, instrument: signal.instrument, side: signal.side)
        let step = max(1, instrument.stepSize.mantissa)
        let wanted = Int64((Double(orderSize) * signal.strength).rounded(.down))
        let quantity = wanted / step * step
        var actions: [DeskAction] = []
        actions.reserveCapacity(2)
        let existing = current[key].flatMap { id in orders[id].map { (id, $0) } }
        if !deferred.isEmpty { deferred[key] = nil }
        if let (id, working) = existing {
            if working.state != .open {
                // Not acknowledged yet: the latest wish waits for the answer.
                deferred[key] = (signal, orderSize, quote)
                return []
            }
            if quantity == 0 {
                orders[id]!.state = .cancelPending
                current[key] = nil
                return [.cancel(instrument: signal.instrument, clientOrderId: id, strategyId: strategyId)]
            }
        }
        guard quantity > 0, let (type, tif, price) = Self.price(signal, quote: quote, tick: instrument.tickSize.mantissa)
        else { return [] }
        // A replacement goes out before the cancel of what it replaces: the new quote reaches the
        // venue first (the limits count both while the cancel is in flight).
        var replaced: String?
        if let (id, working) = existing {
            if working.price == price && working.quantity == quantity { return [] }
            orders[id]!.state = .cancelPending
            replaced = id
        }
        let id = "\(prefix)\(strategyId)n\(next)"
        next += 1
        orders[id] = Working(key: key, price: price, quantity: quantity, state: .pending)
        workingQuantity[signal.instrument * 2 + (signal.side == .buy ? 0 : 1)] += quantity
        current[key] = id
        actions.append(
            .place(
                OrderIntent(
                    instrument: signal.instrument, side: signal.side, type: type, timeInForce: tif, price: price,
                    quantity: quantity, strategyId: strategyId, clientOrderId: id, reason: signal.reason)))
        if let replaced { actions.append(.cancel(instrument: signal.instrument, clientOrderId: replaced, strategyId: strategyId)) }
        return actions
    }

    /// The order type, time in force and price for a signal; nil when there is no price to use.
    static func price(_ s: Signal, quote: Quote?, tick: Int64) -> (OrderType, TimeInForce, Int64)? {
        let own = quote.flatMap { q in s.side == .buy ? (q.bidQuantity > 0 ? q.bidPrice : nil) : (q.askQuantity > 0 ? q.askPrice : nil) }
        let far = quote.flatMap { q in s.side == .buy ? (q.askQuantity > 0 ? q.askPrice : nil) : (q.bidQuantity > 0 ? q.bidPrice : nil) }
        switch s.urgency {
        case .passive:
            guard let p = s.priceHint ?? own, p > 0 else { return nil }
            return (.limitMaker, .gtc, p)
        case .normal:
            guard let p = own ?? s.priceHint, p > 0 else { return nil }
            return (.limitMaker, .gtc, p)
        case .aggressive:
            guard let touch = far ?? s.priceHint else { return nil }
            let p = s.priceHint.map { s.side == .buy ? max($0, touch) : min($0, touch) } ?? touch
            return p > 0 ? (.limit, .ioc, p) : nil
        }
    }

    /// The order path refused an order the desk planned (risk, a full lane): forget it.
    public mutating func refused(_ clientOrderId: String) { forget(clientOrderId) }

    /// Learns an order's new state; returns the strategy id that owns it (nil: not a desk order).
    @discardableResult
    public mutating func update(_ u: OrderStatusUpdate) -> UInt32? {
        guard let working = orders[u.clientOrderId] else { return nil }
        if u.status.isFinal {
            forget(u.clientOrderId)
        } else if working.state == .pending {
            orders[u.clientOrderId]!.state = .open
        }
        return working.key.strategyId
    }

    /// The orders a wish that waited on this order's answer needs now (after `update`).
    public mutating func resume(after u: OrderStatusUpdate, strategyId: UInt32) -> [DeskAction] {
        let key = Key(strategyId: strategyId, instrument: u.instrument, side: u.side)
        guard !deferred.isEmpty, let wish = deferred[key] else { return [] }
        if let id = current[key], let working = orders[id], working.state != .open { return [] }
        return plan(wish.signal, strategyId: strategyId, orderSize: wish.orderSize, quote: wish.quote)
    }

    /// The strategy id of a desk order.
    public func owner(of clientOrderId: String) -> UInt32? { orders[clientOrderId]?.key.strategyId }

    /// Cancels every working order (of one strategy, or all): the kill switch, a disabled strategy.
    public mutating func cancelAll(strategyId: UInt32? = nil) -> [DeskAction] {
        var actions: [DeskAction] = []
        for (id, working) in orders.sorted(by: { $0.key < $1.key })
        where (strategyId == nil || working.key.strategyId == strategyId) && working.state != .cancelPending {
            orders[id]!.state = .cancelPending
            if current[working.key] == id { current[working.key] = nil }
            actions.append(.cancel(instrument: working.key.instrument, clientOrderId: id, strategyId: working.key.strategyId))
        }
        return actions
    }

    /// The quantity of working orders on one side of an instrument (every strategy).
    public func working(_ instrument: Int, _ side: Side) -> Int64 {
        workingQuantity[instrument * 2 + (side == .buy ? 0 : 1)]
    }

    /// Working orders now.
    public var count: Int { orders.count }

    private mutating func forget(_ id: String) {
        guard let working = orders.removeValue(forKey: id) else { return }
        workingQuantity[working.key.instrument * 2 + (working.key.side == .buy ? 0 : 1)] -= working.quantity
        if current[working.key] == id { current[working.key] = nil }
    }

    /// Drops every deferred wish (the kill switch, a reload).
    public mutating func dropDeferred() { deferred = [:] }
}

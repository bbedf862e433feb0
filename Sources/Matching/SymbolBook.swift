import EngineModel

/// One symbol's price-time priority limit order book: bids and asks, FIFO within a level, and
/// the diff-depth bookkeeping — the levels changed since the last publication and the update
/// id that numbers them.
///
/// The engine mutates it; callers read it (best prices, levels, snapshots). Prices and
/// quantities are mantissas at the symbol's exponents inside, `Price`/`Quantity` outside.
public struct SymbolBook: Sendable {
    /// The symbol ("BTCUSDT").
    public let symbol: String

    /// The exponent of price mantissas.
    public let priceExponent: Int8

    /// The exponent of quantity mantissas.
    public let quantityExponent: Int8

    /// The id of the last published change; a snapshot taken now carries it as `lastUpdateId`.
    public internal(set) var lastUpdateId: Int64 = 0

    /// The bids, best (highest) last.
    private(set) var bids: BookSide

    /// The asks, best (lowest) last.
    private(set) var asks: BookSide

    /// Bid prices changed since the last publication (may repeat).
    private var changedBids: [Int64] = []

    /// Ask prices changed since the last publication (may repeat).
    private var changedAsks: [Int64] = []

    /// The top of book at the last publication, to tell when a book ticker is due.
    private var publishedTop = Top()

    /// False for books nobody subscribes to (the private book of resting orders in shadow
    /// mode): changes are then not recorded at all.
    var tracksChanges = true

    /// An empty book.
    init(symbol: String, priceExponent: Int8, quantityExponent: Int8) {
        self.symbol = symbol
        self.priceExponent = priceExponent
        self.quantityExponent = quantityExponent
        bids = BookSide(side: .buy)
        asks = BookSide(side: .sell)
    }

    // MARK: - Reading

    /// The best bid level.
    public var bestBid: BookLevel? { bids.best.map(level) }

    /// The best ask level.
    public var bestAsk: BookLevel? { asks.best.map(level) }

    /// Whether the best bid is at or above the best ask (never true for a matching book).
    public var isCrossed: Bool {
        guard let bid = bids.best?.price, let ask = asks.best?.price else { return false }
        return bid >= ask
    }

    /// The number of price levels on a side.
    public func levelCount(_ side: Side) -> Int { self.side(side).count }

    /// Up to `limit` levels of a side, best first.
    public func levels(_ side: Side, limit: Int = .max) -> [BookLevel] {
        var result: [BookLevel] = []
        self.side(side).forEachFromBest { level in
            guard result.count < limit else { return false }
            result.append(self.level(level))
            return true
        }
        return result
    }

    /// The top `limit` levels of both sides with the update id they reflect.
    public func depth(limit: Int) -> DepthSnapshot {
        DepthSnapshot(lastUpdateId: lastUpdateId, bids: levels(.buy, limit: limit), asks: levels(.sell, limit: limit))
    }

    /// The total quantity at a price (zero when there is no level there).
    public func quantity(_ side: Side, at price: Price) -> Quantity {
        let p = (try? price.rescaled(to: priceExponent).mantissa) ?? -1
        return Quantity(mantissa: p < 0 ? 0 : self.side(side).quantity(at: p), exponent: quantityExponent)
    }

    /// The ids of the orders resting at a price, in priority order.
    public func orderIds(_ side: Side, at price: Price) -> [Int64] {
        guard let p = try? price.rescaled(to: priceExponent).mantissa else { return [] }
        return self.side(side).level(at: p)?.orders.map(\.orderId) ?? []
    }

    /// The best price of a side and the order first in line there.
    func bestFront(_ side: Side) -> (price: Int64, order: RestingOrder)? {
        guard let level = self.side(side).best, let front = level.front else { return nil }
        return (level.price, front)
    }

    /// One side, for the engine's matching.
    func side(_ side: Side) -> BookSide { side == .buy ? bids : asks }

    /// A level as the public type.
    private func level(_ level: PriceLevel) -> BookLevel {
        BookLevel(
            price: Price(mantissa: level.price, exponent: priceExponent),
            quantity: Quantity(mantissa: level.quantity, exponent: quantityExponent))
    }

    // MARK: - Changing

    /// Queues an order at the back of its price level.
    mutating func rest(_ order: RestingOrder, side: Side, price: Int64) {
        if side == .buy { bids.add(order, at: price) } else { asks.add(order, at: price) }
        noteChange(side, price)
    }

    /// Fills the front order of the best level of `side`; returns it afterwards.
    mutating func fillBest(_ side: Side, amount: Int64) -> RestingOrder {
        if let price = self.side(side).best?.price { noteChange(side, price) }
        return side == .buy ? bids.fillBest(amount) : asks.fillBest(amount)
    }

    /// Removes a resting order; its remaining quantity, or nil when it is not there.
    mutating func remove(orderId: Int64, side: Side, price: Int64) -> Int64? {
        let removed = side == .buy ? bids.remove(orderId: orderId, at: price) : asks.remove(orderId: orderId, at: price)
        if removed != nil { noteChange(side, price) }
        return removed
    }

    /// Sets a displayed level of a replayed book (zero removes it).
    mutating func setDisplayed(_ side: Side, price: Int64, quantity: Int64) {
        if side == .buy { bids.setDisplayed(quantity, at: price) } else { asks.setDisplayed(quantity, at: price) }
        noteChange(side, price)
    }

    /// Empties a replayed book and sets its update id, as a snapshot load does; nothing is
    /// published for it.
    mutating func reset(lastUpdateId: Int64) {
        bids.removeAll()
        asks.removeAll()
        changedBids.removeAll()
        changedAsks.removeAll()
        self.lastUpdateId = lastUpdateId
        publishedTop = Top()
    }

    /// Forgets the changes since the last publication (for books nobody subscribes to).
    mutating func discardChanges() {
        changedBids.removeAll(keepingCapacity: true)
        changedAsks.removeAll(keepingCapacity: true)
    }

    /// Publishes the changed levels with fresh update ids, one per distinct level, plus a book
    /// ticker when the top moved; nil when nothing changed.
    mutating func publish(time: Int64) -> (DepthUpdate, BookTicker?)? {
        let count = Set(changedBids).count + Set(changedAsks).count
        guard count > 0 else { return nil }
        return publish(time: time, firstUpdateId: lastUpdateId + 1, lastUpdateId: lastUpdateId + Int64(count))
    }

    /// Publishes the changed levels under update ids given by a recording.
    mutating func publish(time: Int64, firstUpdateId: Int64, lastUpdateId: Int64) -> (DepthUpdate, BookTicker?)? {
        guard !changedBids.isEmpty || !changedAsks.isEmpty else { return nil }
        let bidLevels = Set(changedBids).sorted(by: >).map { level(price: $0, quantity: bids.quantity(at: $0)) }
        let askLevels = Set(changedAsks).sorted().map { level(price: $0, quantity: asks.quantity(at: $0)) }
        discardChanges()
        self.lastUpdateId = lastUpdateId
        let update = DepthUpdate(
            symbol: symbol, time: time, firstUpdateId: firstUpdateId, lastUpdateId: lastUpdateId, bids: bidLevels,
            asks: askLevels)
        let top = Top(bid: bids.best, ask: asks.best)
        guard top != publishedTop else { return (update, nil) }
        publishedTop = top
        return (update, BookTicker(symbol: symbol, updateId: lastUpdateId, bestBid: bestBid, bestAsk: bestAsk))
    }

    /// Records a changed level.
    private mutating func noteChange(_ side: Side, _ price: Int64) {
        guard tracksChanges else { return }
        if side == .buy { changedBids.append(price) } else { changedAsks.append(price) }
    }

    /// A level from mantissas.
    private func level(price: Int64, quantity: Int64) -> BookLevel {
        BookLevel(
            price: Price(mantissa: price, exponent: priceExponent),
            quantity: Quantity(mantissa: quantity, exponent: quantityExponent))
    }

    /// The best prices and quantities, compared to decide whether a book ticker is due.
    private struct Top: Equatable, Sendable {
        var bidPrice: Int64 = 0, bidQuantity: Int64 = 0, askPrice: Int64 = 0, askQuantity: Int64 = 0

        init() {}

        init(bid: PriceLevel?, ask: PriceLevel?) {
            bidPrice = bid?.price ?? 0
            bidQuantity = bid?.quantity ?? 0
            askPrice = ask?.price ?? 0
            askQuantity = ask?.quantity ?? 0
        }
    }
}

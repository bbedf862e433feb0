import EngineModel

/// An open order with what the engine needs beyond its public state.
struct LiveOrder: Sendable {
    /// The public state.
    var order: VenueOrder
    /// The unfilled quantity mantissa.
    var remaining: Int64
    /// The balance mantissa this order holds locked: quote for a BUY, base for a SELL.
    var locked: Int64
    /// The limit price mantissa (0 for MARKET).
    var price: Int64
}

/// What walking the opposite side of a book found: how much an order could fill and what it
/// would cost or bring.
struct LiquidityWalk: Sendable {
    /// The quantity mantissa that would fill.
    var quantity: Int64 = 0
    /// Σ over levels of ⌈price × quantity⌉ at the quote asset's exponent: an upper bound of the
    /// quote amount the fills move (each fill moves ⌊price × quantity⌋).
    var quote: Int64 = 0
    /// Whether a notional did not fit an `Int64`.
    var overflow = false
}

/// Everything the engine keeps for one symbol: its rules, its book(s), its open and closed
/// orders and its id counters.
struct SymbolState: Sendable {
    /// The symbol's rules.
    let spec: SymbolSpec

    /// The resting orders. In live mode this is the published book; in shadow mode it is
    /// private and `replay` is published instead.
    var book: SymbolBook

    /// Shadow mode: the recorded book user orders match against.
    var replay: ReplayBook?

    /// Open orders by id.
    var open: [Int64: LiveOrder] = [:]

    /// Open orders by (account, client order id): duplicate detection and queries.
    var openByClient: [ClientKey: Int64] = [:]

    /// Recently closed orders.
    var closed: OrderHistory

    /// The next order id.
    var nextOrderId: Int64

    /// The next trade id.
    var nextTradeId: Int64 = 1

    /// The next execution id (`I`).
    var nextExecutionId: Int64 = 1

    /// The price mantissa of the last trade, the reference for MARKET orders' notional.
    var lastTradePrice: Int64?

    /// A symbol with empty books.
    init(spec: SymbolSpec, shadow: Bool, history: Int, firstOrderId: Int64) {
        self.spec = spec
        let empty = SymbolBook(
            symbol: spec.symbol, priceExponent: spec.priceExponent, quantityExponent: spec.quantityExponent)
        book = empty
        if shadow {
            book.tracksChanges = false
            replay = ReplayBook(book: empty)
        }
        closed = OrderHistory(capacity: history)
        nextOrderId = firstOrderId
    }

    /// The book the depth streams show: the replay in shadow mode, else the matching book.
    var publishedBook: SymbolBook { replay?.book ?? book }

    /// Takes the next execution id.
    mutating func takeExecutionId() -> Int64 {
        defer { nextExecutionId += 1 }
        return nextExecutionId
    }

    /// Takes the next trade id.
    mutating func takeTradeId() -> Int64 {
        defer { nextTradeId += 1 }
        return nextTradeId
    }

    /// The id of an account's open order, by id or client id.
    func openOrderId(_ ref: OrderRef, account: AccountID) -> Int64? {
        switch ref {
        case .orderId(let id):
            return open[id]?.order.account == account ? id : nil
        case .clientOrderId(let clientId):
            return openByClient[ClientKey(account: account, clientOrderId: clientId)]
        }
    }

    /// Whether a taker on `side` with limit `limit` (nil: any price) may trade at `price`.
    static func crosses(_ side: Side, _ price: Int64, limit: Int64?) -> Bool {
        guard let limit else { return true }
        return side == .buy ? price <= limit : price >= limit
    }

    /// Calls `body` with each level a taker on `side` could trade with, best first: resting
    /// orders in live mode, unconsumed recorded liquidity in shadow mode.
    func forEachLevel(takenBy side: Side, limit: Int64?, _ body: (_ price: Int64, _ quantity: Int64) -> Bool) {
        func visit(_ price: Int64, _ quantity: Int64) -> Bool {
            Self.crosses(side, price, limit: limit) && body(price, quantity)
        }
        if let replay {
            replay.forEachAvailable(side.opposite, visit)
        } else {
            book.side(side.opposite).forEachFromBest { visit($0.price, $0.quantity) }
        }
    }

    /// Walks the liquidity a taker on `side` could take: up to `quantity` if given, and within
    /// `quoteBudget` (a quote-asset mantissa at `quoteExponent`) if given, in whole steps.
    func walk(side: Side, limit: Int64?, quantity: Int64?, quoteBudget: Int64?, quoteExponent: Int8) -> LiquidityWalk {
        var result = LiquidityWalk()
        let pe = Int(spec.priceExponent)
        let qe = Int(spec.quantityExponent)
        let xe = Int(quoteExponent)
        let step = spec.instrument.stepSize.mantissa
        forEachLevel(takenBy: side, limit: limit) { price, available in
            var take = available
            if let quantity { take = min(take, quantity - result.quantity) }
            if let quoteBudget {
                let left = quoteBudget - result.quote
                let affordable = ScaledMath.quotient(left, shift: xe - pe - qe, dividedBy: price, rounding: .down)
                take = min(take, affordable ?? .max)
                take -= take % step
            }
            guard take > 0 else { return false }
            guard let cost = ScaledMath.product(price, take, shift: pe + qe - xe, rounding: .up) else {
                result.overflow = true
                return false
            }
            let (sum, overflow) = result.quote.addingReportingOverflow(cost)
            if overflow {
                result.overflow = true
                return false
            }
            result.quantity += take
            result.quote = sum
            return quantity.map { result.quantity < $0 } ?? true
        }
        return result
    }

    /// The total quantity a taker on `side` could reach at any price.
    func totalLiquidity(takenBy side: Side) -> Int64 {
        var total: Int64 = 0
        forEachLevel(takenBy: side, limit: nil) { _, quantity in
            total = total.addingReportingOverflow(quantity).overflow ? .max : total + quantity
            return total < .max
        }
        return total
    }
}

import EngineModel

extension MatchingEngine {
    /// One of the account's orders, open or recently closed (`GET /api/v3/order`); -2013
    /// "Order does not exist." when unknown, another account's, or evicted from history.
    public func order(symbol: String, account: AccountID, _ ref: OrderRef) throws(VenueError) -> VenueOrder {
        let state = try symbols[symbolKey(symbol)]!
        if let id = state.openOrderId(ref, account: account) { return state.open[id]!.order }
        let closed: VenueOrder?
        switch ref {
        case .orderId(let id): closed = state.closed.order(id: id)
        case .clientOrderId(let clientId):
            closed = state.closed.order(ClientKey(account: account, clientOrderId: clientId))
        }
        guard let closed, closed.account == account else { throw .orderDoesNotExist }
        return closed
    }

    /// The account's open orders on one symbol, or on all when `symbol` is nil
    /// (`GET /api/v3/openOrders`), sorted by symbol then order id.
    public func openOrders(account: AccountID, symbol: String? = nil) throws(VenueError) -> [VenueOrder] {
        let keys = try symbol.map { (name) throws(VenueError) in [try symbolKey(name)] } ?? listedSymbols
        return keys.flatMap { key in
            symbols[key]!.open.values.lazy.filter { $0.order.account == account }.map(\.order)
                .sorted { $0.orderId < $1.orderId }
        }
    }

    /// The account's open and remembered closed orders on a symbol (`GET /api/v3/allOrders`),
    /// by order id.
    public func allOrders(account: AccountID, symbol: String) throws(VenueError) -> [VenueOrder] {
        let state = try symbols[symbolKey(symbol)]!
        let open = state.open.values.filter { $0.order.account == account }.map(\.order)
        return (open + state.closed.orders(of: account)).sorted { $0.orderId < $1.orderId }
    }

    /// Every asset the account holds or held, sorted by asset (`GET /api/v3/account`).
    public func balances(account: AccountID) -> [VenueBalance] { ledger.balances(of: account) }

    /// One asset's balance (zero when never held).
    public func balance(account: AccountID, asset: String) -> VenueBalance { ledger.balance(account, asset) }

    /// The account's newest fills on a symbol, oldest first (`GET /api/v3/myTrades`), at most
    /// `limit` (Binance's default 500, maximum 1000).
    public func myTrades(account: AccountID, symbol: String, limit: Int = 500) throws(VenueError) -> [VenueFill] {
        let key = try symbolKey(symbol)
        let log = tradeLogs[TradeLogKey(account: account, symbol: key)]
        return log?.suffix(max(1, min(limit, 1000))) ?? []
    }

    /// The top `limit` levels of the published book (`GET /api/v3/depth`, limit 1…5000,
    /// default 100) with the `lastUpdateId` the diff stream continues from.
    public func depth(symbol: String, limit: Int = 100) throws(VenueError) -> DepthSnapshot {
        try symbols[symbolKey(symbol)]!.publishedBook.depth(limit: max(1, min(limit, 5000)))
    }

    /// The published book: the matching book, or the replayed one in shadow mode.
    public func book(symbol: String) throws(VenueError) -> SymbolBook {
        try symbols[symbolKey(symbol)]!.publishedBook
    }

    /// The best bid and ask of the published book (`GET /api/v3/ticker/bookTicker`).
    public func bookTicker(symbol: String) throws(VenueError) -> BookTicker {
        let book = try self.book(symbol: symbol)
        return BookTicker(
            symbol: book.symbol, updateId: book.lastUpdateId, bestBid: book.bestBid, bestAsk: book.bestAsk)
    }

    /// The price of the symbol's last trade (shadow fills included), if any.
    public func lastTradePrice(symbol: String) throws(VenueError) -> Price? {
        let state = try symbols[symbolKey(symbol)]!
        return state.lastTradePrice.map(state.spec.price)
    }
}

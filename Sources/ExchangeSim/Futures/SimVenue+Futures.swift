import EngineModel
import Matching

/// A futures order request after parsing (`POST /fapi/v1/order`, `order.place`).
struct FuturesNewOrder: Sendable {
    let symbol: String
    let side: Side
    /// LIMIT or MARKET.
    let type: OrderType
    /// GTC, IOC, FOK or GTX (post-only) for LIMIT; nil for MARKET.
    let timeInForce: String?
    let price: Price?
    let quantity: Quantity?
    let reduceOnly: Bool
    let clientOrderId: String?
}

extension SimVenue {
    /// The futures clock's time (the configured `SimClock`, else `wall`).
    func futuresNow(_ wall: Int64) -> Int64 { clearing?.settings.clock?.now ?? wall }

    /// The mark price of a contract at its price exponent − 1: the mid of the best bid and
    /// ask, else the one side there is, else the last trade; 0 when none is known.
    func markPrice(_ spec: SymbolSpec) -> Int64 {
        let ticker = try? engine.bookTicker(symbol: spec.symbol)
        func at(_ price: Price?) -> Int64? {
            guard let price, let scaled = try? price.rescaled(to: spec.priceExponent) else { return nil }
            return scaled.mantissa * 10
        }
        switch (at(ticker?.bestBid?.price), at(ticker?.bestAsk?.price)) {
        case (let bid?, let ask?): return (bid + ask) / 2
        case (let bid?, nil): return bid
        case (nil, let ask?): return ask
        case (nil, nil): return at((try? engine.lastTradePrice(symbol: spec.symbol)) ?? nil) ?? 0
        }
    }

    /// Every contract with its mark and `account`'s open orders that can add to its position.
    func futuresMarkets(_ account: AccountID) -> [FuturesMarketView] {
        engine.listedSymbols.compactMap { symbol in
            guard let spec = try? engine.spec(symbol) else { return nil }
            let open = (try? engine.openOrders(account: account, symbol: symbol)) ?? []
            let orders = open.filter { clearing?.tags[FuturesOrderKey(symbol: symbol, orderId: $0.orderId)]?.reduceOnly != true }
                .map { FuturesOpenOrder(side: $0.side, remaining: $0.remainingQty.mantissa, price: $0.price.mantissa) }
            return FuturesMarketView(spec: spec, mark: markPrice(spec), orders: orders)
        }
    }

    /// An account's margin figures now.
    func futuresRisk(_ account: AccountID) -> FuturesAccountRisk {
        clearing?.risk(account, markets: futuresMarkets(account)) ?? FuturesAccountRisk(wallet: 0, positions: [])
    }

    /// Makes `account` a futures trader on first use: its engine account gets ample balances
    /// and no commission (the clearing charges USDT commission on notional), so the engine
    /// never refuses a futures order for a spot balance.
    private func prepareTrader(_ account: AccountID, spec: SymbolSpec) throws(RESTError) {
        guard let clearing else { throw .invalidParameter("symbol") }
        guard clearing.clears(account) else { throw .rejectedAPIKey }
        engine.setCommission(.free, for: account)
        for asset in [spec.baseAsset, spec.quoteAsset] {
            let exponent = engine.assetExponent(asset)
            let enough = Int64.max / 16
            guard engine.balance(account: account, asset: asset).free.mantissa < enough / 2 else { continue }
            _ = try? engine.deposit(
                account: account, asset: asset, amount: Quantity(mantissa: enough, exponent: exponent), now: 0)
        }
    }

    /// Places a futures order: reduce-only and margin checks, then the engine; the order after
    /// matching and its tag. Its events reach the listen-key streams through `record`.
    func futuresPlace(
        _ request: FuturesNewOrder, account: AccountID, now: Int64
    ) throws(RESTError) -> (order: VenueOrder, tag: FuturesOrderTag) {
        let spec = try Self.venue { () throws(VenueError) in try engine.spec(request.symbol) }
        try prepareTrader(account, spec: spec)
        guard let quantity = request.quantity else { throw .mandatory("quantity") }
        guard let size = try? quantity.rescaled(to: spec.quantityExponent).mantissa else {
            throw RESTError(.badPrecision("quantity"))
        }
        var newOrder = try Self.engineOrder(request, spec: spec)
        let position = clearing!.position(account, spec.symbol).amount
        if request.reduceOnly {
            let closes = request.side == .buy ? position < 0 : position > 0
            guard closes, size > 0 else { throw .reduceOnlyRejected }
            if size > Int64(position.magnitude) {
                guard request.type == .market else { throw .reduceOnlyRejected }
                newOrder.quantity = Quantity(mantissa: Int64(position.magnitude), exponent: spec.quantityExponent)
            }
        } else if size > 0 {
            let markets = futuresMarkets(account)
            let order = FuturesOpenOrder(side: request.side, remaining: size, price: estimatedPrice(request, spec))
            guard clearing!.admits(account, order: order, symbol: spec.symbol, markets: markets) else {
                throw .marginInsufficient
            }
        }
        let result: OrderResult
        do throws(VenueError) {
            result = try engine.placeOrder(newOrder, account: account, now: now)
        } catch .orderWouldTake {
            throw .postOnlyRejected
        } catch .filterFailure(.notional) {
            throw .minNotional(spec)
        } catch {
            throw RESTError(error)
        }
        let key = FuturesOrderKey(symbol: spec.symbol, orderId: result.order.orderId)
        let tag = FuturesOrderTag(reduceOnly: request.reduceOnly, postOnly: request.timeInForce == "GTX")
        clearing!.tags[key] = tag
        record(result.events)
        return (result.order, clearing!.tags[key] ?? tag)
    }

    /// The engine's order for a futures request (GTX → LIMIT_MAKER).
    private static func engineOrder(_ request: FuturesNewOrder, spec: SymbolSpec) throws(RESTError) -> NewOrder {
        switch request.type {
        case .market:
            if request.timeInForce != nil { throw RESTError(.timeInForceNotRequired) }
            if request.price != nil { throw RESTError(.parameterNotRequired("price")) }
            return NewOrder(
                symbol: spec.symbol, side: request.side, type: .market, quantity: request.quantity,
                clientOrderId: request.clientOrderId)
        default:
            guard let price = request.price else { throw .mandatory("price") }
            let tif = request.timeInForce ?? "GTC"
            if tif == "GTX" {
                return .limitMaker(
                    spec.symbol, request.side, price: price, quantity: request.quantity ?? Quantity(mantissa: 0, exponent: 0),
                    clientOrderId: request.clientOrderId)
            }
            guard let timeInForce = TimeInForce(name: tif) else { throw .invalidTimeInForce }
            return NewOrder(
                symbol: spec.symbol, side: request.side, type: .limit, timeInForce: timeInForce, price: price,
                quantity: request.quantity, clientOrderId: request.clientOrderId)
        }
    }

    /// The price a new order's margin is reckoned at: its limit, else the best opposite price,
    /// else the mark.
    private func estimatedPrice(_ request: FuturesNewOrder, _ spec: SymbolSpec) -> Int64 {
        if let price = request.price, let scaled = try? price.rescaled(to: spec.priceExponent) { return scaled.mantissa }
        let ticker = try? engine.bookTicker(symbol: spec.symbol)
        let level = request.side == .buy ? ticker?.bestAsk : ticker?.bestBid
        if let price = level?.price, let scaled = try? price.rescaled(to: spec.priceExponent) { return scaled.mantissa }
        return markPrice(spec) / 10
    }

    /// Cancels one futures order.
    func futuresCancel(
        symbol: String, account: AccountID, order ref: OrderRef, now: Int64
    ) throws(RESTError) -> (order: VenueOrder, tag: FuturesOrderTag) {
        let result = try Self.venue { () throws(VenueError) in
            try engine.cancelOrder(symbol: symbol, account: account, order: ref, newClientOrderId: nil, now: now)
        }
        record(result.events)
        return (result.order, tag(result.order))
    }

    /// Cancels all of an account's orders on a symbol (none open is not an error).
    func futuresCancelAll(symbol: String, account: AccountID, now: Int64) throws(RESTError) {
        do throws(VenueError) {
            record(try engine.cancelAllOrders(symbol: symbol, account: account, now: now).events)
        } catch .unknownOrder {
            return
        } catch {
            throw RESTError(error)
        }
    }

    /// One order, open or recently closed.
    func futuresOrder(
        symbol: String, account: AccountID, _ ref: OrderRef
    ) throws(RESTError) -> (order: VenueOrder, tag: FuturesOrderTag) {
        let order = try Self.venue { () throws(VenueError) in try engine.order(symbol: symbol, account: account, ref) }
        return (order, tag(order))
    }

    /// Open orders, on one symbol or all.
    func futuresOpenOrders(
        account: AccountID, symbol: String?
    ) throws(RESTError) -> [(order: VenueOrder, tag: FuturesOrderTag)] {
        let orders = try Self.venue { () throws(VenueError) in try engine.openOrders(account: account, symbol: symbol) }
        return orders.map { ($0, tag($0)) }
    }

    /// An account's fills on a symbol, oldest first.
    func futuresTrades(account: AccountID, symbol: String) throws(RESTError) -> [FuturesTrade] {
        let spec = try Self.venue { () throws(VenueError) in try engine.spec(symbol) }
        return (clearing?.accounts[account]?.trades ?? []).filter { $0.symbol == spec.symbol }
    }

    /// `POST /fapi/v1/leverage`; -4028 outside 1…max.
    func setLeverage(account: AccountID, symbol: String, leverage: Int64) throws(RESTError) -> SymbolSpec {
        let spec = try Self.venue { () throws(VenueError) in try engine.spec(symbol) }
        guard let clearing, clearing.clears(account) else { throw .rejectedAPIKey }
        guard leverage >= 1, leverage <= Int64(clearing.settings.maxLeverage) else {
            throw .invalidLeverage(leverage)
        }
        self.clearing!.accounts[account]!.leverage[spec.symbol] = Int(leverage)
        return spec
    }

    /// The tag of an order (an untagged one: plain).
    func tag(_ order: VenueOrder) -> FuturesOrderTag {
        clearing?.tags[FuturesOrderKey(symbol: order.symbol, orderId: order.orderId)] ?? FuturesOrderTag()
    }

    /// Runs an engine call, turning its refusal into the REST error.
    static func venue<T>(_ body: () throws(VenueError) -> T) throws(RESTError) -> T {
        do throws(VenueError) {
            return try body()
        } catch {
            throw RESTError(error)
        }
    }
}

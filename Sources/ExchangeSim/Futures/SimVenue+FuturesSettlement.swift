import EngineModel
import Matching

extension SimVenue {
    /// Clears the futures accounts' fills among `events` and sends their listen-key events:
    /// an `ORDER_TRADE_UPDATE` per execution report, then one `ACCOUNT_UPDATE` (reason ORDER)
    /// per account whose fills moved its wallet and positions; then liquidates where the book's
    /// move took an account's margin ratio to 100 %.
    func settleFutures(_ events: [VenueEvent]) {
        guard clearing != nil else { return }
        var updates: [FuturesUserEvent] = []
        var touched: [(account: AccountID, symbols: [String])] = []
        var time: Int64?
        for event in events {
            switch event {
            case .execution(let report):
                time = report.transactTime
                guard clearing!.clears(report.account), let spec = try? engine.spec(report.symbol) else { continue }
                var realized: Int64 = 0
                var commission: Int64 = 0
                if report.executionType == .trade {
                    (realized, commission) = clearing!.applyFill(
                        account: report.account, spec: spec, orderId: report.order.orderId, side: report.order.side,
                        price: report.lastPrice, quantity: report.lastQty, tradeId: report.tradeId,
                        isMaker: report.isMaker, time: report.transactTime)
                    if let index = touched.firstIndex(where: { $0.account == report.account }) {
                        if !touched[index].symbols.contains(spec.symbol) { touched[index].symbols.append(spec.symbol) }
                    } else {
                        touched.append((report.account, [spec.symbol]))
                    }
                }
                updates.append(.order(orderUpdate(report, spec: spec, realized: realized, commission: commission)))
            case .depth(let update): time = update.time
            default: continue
            }
        }
        for entry in touched {
            updates.append(.account(accountUpdate(entry.account, reason: "ORDER", symbols: entry.symbols,
                time: time ?? 0, balanceChange: 0)))
        }
        listenKeys.publish(updates)
        if let time, !liquidating { liquidateIfNeeded(now: time) }
    }

    /// An execution report as `ORDER_TRADE_UPDATE`'s order.
    private func orderUpdate(
        _ report: ExecutionReport, spec: SymbolSpec, realized: Int64, commission: Int64
    ) -> FuturesOrderUpdate {
        let order = report.order
        let tag = tag(order)
        let isTrade = report.executionType == .trade
        let markets = futuresMarkets(order.account).filter { $0.spec.symbol == spec.symbol }
        let risk = clearing!.risk(order.account, markets: markets).positions.first
        return FuturesOrderUpdate(
            account: order.account, symbol: order.symbol, clientOrderId: order.clientOrderId, side: order.side,
            type: order.type == .market ? "MARKET" : "LIMIT", timeInForce: Self.timeInForce(order, tag),
            origQty: order.origQty, price: order.price.description, averagePrice: Self.averagePrice(order),
            executionType: report.executionType.rawValue, status: order.status.rawValue, orderId: order.orderId,
            lastQty: report.lastQty, cumulativeQty: order.executedQty,
            lastPrice: isTrade ? report.lastPrice.description : "0", commission: commission,
            time: report.transactTime, tradeId: isTrade ? report.tradeId : 0, bidNotional: risk?.bidNotional ?? 0,
            askNotional: risk?.askNotional ?? 0, isMaker: report.isMaker, reduceOnly: tag.reduceOnly,
            realizedPnl: realized)
    }

    /// GTX for a post-only order, else the engine's time in force.
    static func timeInForce(_ order: VenueOrder, _ tag: FuturesOrderTag) -> String {
        tag.postOnly ? "GTX" : order.timeInForce.name.uppercased()
    }

    /// `avgPrice`: cumQuote / executedQty at 8 decimals; "0" before the first fill.
    static func averagePrice(_ order: VenueOrder) -> String {
        order.averagePrice(exponent: FuturesMath.moneyExponent)?.description ?? "0"
    }

    /// An `ACCOUNT_UPDATE` with the account's wallet and the positions of `symbols`.
    func accountUpdate(
        _ account: AccountID, reason: String, symbols: [String], time: Int64, balanceChange: Int64
    ) -> FuturesAccountUpdate {
        let markets = futuresMarkets(account).filter { symbols.contains($0.spec.symbol) }
        let risk = clearing!.risk(account, markets: markets)
        return FuturesAccountUpdate(
            account: account, reason: reason, time: time, wallet: risk.wallet, balanceChange: balanceChange,
            positions: risk.positions)
    }

    /// Settles what fell due on the futures clock at `now`: listen keys expire, a funding time
    /// passed pays funding, and accounts at a 100 % margin ratio are liquidated.
    func futuresTick(now: Int64) {
        guard let settings = clearing?.settings else { return }
        listenKeys.expire(now: now)
        let period = now / settings.fundingIntervalMillis
        if period > clearing!.fundingPeriod {
            clearing!.fundingPeriod = period
            payFunding(now: now)
        }
        liquidateIfNeeded(now: now)
    }

    /// Funding: every open position pays (or receives) rate × its notional at the mark price —
    /// longs pay a positive rate to shorts — with an `ACCOUNT_UPDATE` reason FUNDING_FEE.
    func payFunding(now: Int64) {
        guard let rate = clearing?.settings.fundingRate else { return }
        var updates: [FuturesUserEvent] = []
        for account in clearing!.accounts.keys.sorted(by: { $0.description < $1.description }) {
            var total: Int64 = 0
            var symbols: [String] = []
            for market in futuresMarkets(account) {
                let position = clearing!.position(account, market.spec.symbol)
                guard position.amount != 0 else { continue }
                let notional = FuturesMath.notional(
                    price: market.mark, priceExponent: market.markExponent, quantity: position.amount,
                    quantityExponent: market.spec.quantityExponent)
                total += FuturesMath.apply(rate: rate, to: notional)
                symbols.append(market.spec.symbol)
            }
            guard !symbols.isEmpty else { continue }
            clearing!.accounts[account]!.wallet -= total
            clearing!.accounts[account]!.updateTime = now
            updates.append(.account(accountUpdate(account, reason: "FUNDING_FEE", symbols: symbols, time: now,
                balanceChange: -total)))
        }
        listenKeys.publish(updates)
    }

    /// Liquidates every account whose maintenance margin reached its margin balance: its open
    /// orders are canceled, each position is closed at the mark price by a LIQUIDATION order
    /// (client id `autoclose-<id>`, reported NEW then CALCULATED), and an `ACCOUNT_UPDATE`
    /// follows. A wallet left negative is reset to zero (the insurance fund takes the loss).
    func liquidateIfNeeded(now: Int64) {
        guard clearing != nil, !liquidating else { return }
        liquidating = true
        defer { liquidating = false }
        for account in clearing!.accounts.keys.sorted(by: { $0.description < $1.description }) {
            guard clearing!.risk(account, markets: futuresMarkets(account)).isLiquidatable else { continue }
            for symbol in engine.listedSymbols {
                if let canceled = try? engine.cancelAllOrders(symbol: symbol, account: account, now: now) {
                    record(canceled.events)
                }
            }
            var updates: [FuturesUserEvent] = []
            var symbols: [String] = []
            for market in futuresMarkets(account) {
                let spec = market.spec
                var position = clearing!.position(account, spec.symbol)
                guard position.amount != 0 else { continue }
                let amount = position.amount
                let realized = FuturesClearing.fill(
                    &position, quantity: -amount, price: market.mark, priceExponent: market.markExponent,
                    quantityExponent: spec.quantityExponent)
                position.updateTime = now
                clearing!.accounts[account]!.positions[spec.symbol] = position
                clearing!.accounts[account]!.wallet += realized
                let id = clearing!.nextLiquidationId
                clearing!.nextLiquidationId += 1
                let size = Quantity(mantissa: Int64(amount.magnitude), exponent: spec.quantityExponent)
                let zero = Quantity(mantissa: 0, exponent: spec.quantityExponent)
                let mark = Price(mantissa: market.mark, exponent: market.markExponent).description
                func update(_ execution: String, _ status: String, filled: Bool) -> FuturesUserEvent {
                    .order(FuturesOrderUpdate(
                        account: account, symbol: spec.symbol, clientOrderId: "autoclose-\(id)",
                        side: amount > 0 ? .sell : .buy, type: "LIQUIDATION", timeInForce: "IOC", origQty: size,
                        price: mark, averagePrice: filled ? mark : "0", executionType: execution, status: status,
                        orderId: id, lastQty: filled ? size : zero, cumulativeQty: filled ? size : zero,
                        lastPrice: filled ? mark : "0", commission: 0, time: now, tradeId: filled ? id : 0,
                        bidNotional: 0, askNotional: 0, isMaker: false, reduceOnly: true,
                        realizedPnl: filled ? realized : 0))
                }
                updates += [update("NEW", "NEW", filled: false), update("CALCULATED", "FILLED", filled: true)]
                symbols.append(spec.symbol)
            }
            if clearing!.accounts[account]!.wallet < 0 { clearing!.accounts[account]!.wallet = 0 }
            clearing!.accounts[account]!.updateTime = now
            updates.append(.account(accountUpdate(account, reason: "ORDER", symbols: symbols, time: now,
                balanceChange: 0)))
            listenKeys.publish(updates)
        }
    }
}

extension RESTError {
    /// -2019: the order's initial margin is more than the available balance.
    static let marginInsufficient = RESTError(code: -2019, msg: "Margin is insufficient.")
    /// -2022: a reduce-only order would not reduce the position.
    static let reduceOnlyRejected = RESTError(code: -2022, msg: "ReduceOnly Order is rejected.")
    /// -5022: a GTX (post-only) order would have taken liquidity.
    static let postOnlyRejected = RESTError(
        code: -5022,
        msg: "Due to the order could not be executed as maker, the Post Only order will be rejected. "
            + "The order will not be recorded in the order history")
    /// -4061: a position side other than BOTH in one-way mode.
    static let positionSideMismatch = RESTError(
        code: -4061, msg: "Order's position side does not match user's setting.")
    /// -4028: a leverage outside 1…max.
    static func invalidLeverage(_ leverage: Int64) -> RESTError {
        RESTError(code: -4028, msg: "Leverage \(leverage) is not valid")
    }
    /// -4164: the order's notional is below the contract's minimum.
    static func minNotional(_ spec: SymbolSpec) -> RESTError {
        RESTError(
            code: -4164,
            msg: "Order's notional must be no smaller than \(FuturesJSON.plain(spec.instrument.minNotional)) "
                + "(unless you choose reduce only).")
    }
    /// -1125: the listen key is unknown or expired.
    static let unknownListenKey = RESTError(code: -1125, msg: "This listenKey does not exist.")
}

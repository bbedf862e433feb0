import EngineModel
import Matching

/// The USD-M clearing of the simulated venue, I/O free: per account a USDT wallet, per symbol a
/// one-way position (signed amount, entry notional, realized PnL) and a leverage; fills move
/// positions and wallets, and margin is worked out against mark prices the caller passes in.
///
/// The matching engine only matches futures orders; everything a futures account owns lives
/// here. All money is a mantissa at `FuturesMath.moneyExponent`.
struct FuturesClearing: Sendable {
    /// Rates and defaults.
    let settings: FuturesSettings
    /// The futures accounts (the API keys' accounts; others are liquidity, never cleared).
    var accounts: [AccountID: FuturesAccount] = [:]
    /// What the venue remembers of orders beyond the engine (reduce-only, post-only).
    var tags: [FuturesOrderKey: FuturesOrderTag] = [:]
    /// The funding period last settled (time / interval).
    var fundingPeriod: Int64
    /// The next liquidation order id (far above the engine's ids).
    var nextLiquidationId: Int64 = 9_000_000_000_000
    /// How many fills each account keeps for `GET /fapi/v1/userTrades`.
    static let tradeHistory = 1000

    /// A clearing for `accounts`, each funded with the configured wallet, at time `now` of the
    /// futures clock.
    init(settings: FuturesSettings, accounts: [AccountID], now: Int64) {
        self.settings = settings
        fundingPeriod = now / settings.fundingIntervalMillis
        for account in accounts { self.accounts[account] = FuturesAccount(wallet: settings.walletBalance) }
    }

    /// Whether `account` is cleared here.
    func clears(_ account: AccountID) -> Bool { accounts[account] != nil }

    /// A symbol's leverage for an account.
    func leverage(_ account: AccountID, _ symbol: String) -> Int {
        accounts[account]?.leverage[symbol] ?? settings.defaultLeverage
    }

    /// A position (flat when never opened).
    func position(_ account: AccountID, _ symbol: String) -> FuturesPosition {
        accounts[account]?.positions[symbol] ?? FuturesPosition()
    }

    /// Applies one fill of `quantity` (signed: + buys) at `price` to `position`; the realized
    /// PnL. Reducing keeps the entry price and realizes the closed part against it; a fill past
    /// zero closes the position and opens the rest at the fill price.
    static func fill(
        _ position: inout FuturesPosition, quantity: Int64, price: Int64, priceExponent: Int8, quantityExponent: Int8
    ) -> Int64 {
        func notional(_ q: Int64) -> Int64 {
            FuturesMath.notional(
                price: price, priceExponent: priceExponent, quantity: q, quantityExponent: quantityExponent)
        }
        var remaining = quantity
        var realized: Int64 = 0
        if position.amount != 0, (position.amount > 0) != (remaining > 0) {
            let closing = min(remaining.magnitude, position.amount.magnitude)
            let closed = Int64(closing)
            let cost = FuturesMath.mulDiv(position.entryNotional, closed, Int64(position.amount.magnitude))
            let exit = notional(closed)
            realized = position.amount > 0 ? exit - cost : cost - exit
            position.entryNotional -= cost
            let step = remaining > 0 ? closed : -closed
            position.amount += step
            remaining -= step
            if position.amount == 0 { position.entryNotional = 0 }
        }
        if remaining != 0 {
            position.entryNotional += notional(Int64(remaining.magnitude))
            position.amount += remaining
        }
        position.realized += realized
        return realized
    }

    /// The entry price of a position as money (8 decimals); 0 when flat.
    static func entryPrice(_ position: FuturesPosition, quantityExponent: Int8) -> Int64 {
        guard position.amount != 0 else { return 0 }
        let size = Int64(position.amount.magnitude)
        let qe = Int(quantityExponent)
        return qe <= 0
            ? FuturesMath.mulDiv(position.entryNotional, FuturesMath.pow10(-qe), size)
            : FuturesMath.mulDiv(position.entryNotional, 1, size * FuturesMath.pow10(qe))
    }

    /// Records a fill of `account`'s order: moves the position, charges the commission to the
    /// wallet and credits the realized PnL; returns (realized PnL, commission).
    mutating func applyFill(
        account: AccountID, spec: SymbolSpec, orderId: Int64, side: Side, price: Price, quantity: Quantity,
        tradeId: Int64, isMaker: Bool, time: Int64
    ) -> (realized: Int64, commission: Int64) {
        guard var state = accounts[account] else { return (0, 0) }
        let signed = side == .buy ? quantity.mantissa : -quantity.mantissa
        var position = state.positions[spec.symbol] ?? FuturesPosition()
        let realized = Self.fill(
            &position, quantity: signed, price: price.mantissa, priceExponent: price.exponent,
            quantityExponent: quantity.exponent)
        let notional = FuturesMath.notional(
            price: price.mantissa, priceExponent: price.exponent, quantity: quantity.mantissa,
            quantityExponent: quantity.exponent)
        let commission = FuturesMath.apply(rate: isMaker ? settings.makerRate : settings.takerRate, to: notional)
        position.updateTime = time
        state.positions[spec.symbol] = position
        state.wallet += realized - commission
        state.updateTime = time
        state.trades.append(
            FuturesTrade(
                symbol: spec.symbol, tradeId: tradeId, orderId: orderId, side: side, price: price, quantity: quantity,
                quoteQuantity: notional, commission: commission, realizedPnl: realized, isMaker: isMaker, time: time))
        if state.trades.count > Self.tradeHistory * 2 { state.trades.removeFirst(Self.tradeHistory) }
        accounts[account] = state
        let key = FuturesOrderKey(symbol: spec.symbol, orderId: orderId)
        tags[key, default: FuturesOrderTag()].realizedPnl += realized
        return (realized, commission)
    }
}

/// The clearing's rates and defaults, parsed from `FuturesConfiguration`.
struct FuturesSettings: Sendable {
    /// A new account's wallet.
    var walletBalance: Int64
    /// Leverage until changed.
    var defaultLeverage: Int
    /// The highest leverage accepted.
    var maxLeverage: Int
    /// Maker and taker commission rates (money mantissas: 0.0002 → 20 000).
    var makerRate: Int64
    var takerRate: Int64
    /// Maintenance margin rate.
    var maintenanceRate: Int64
    /// Funding rate per funding time.
    var fundingRate: Int64
    /// Time between funding times, ms.
    var fundingIntervalMillis: Int64
    /// How long a listen key lives after its last keepalive, ms (Binance: 60 minutes).
    var listenKeyMillis: Int64 = 3_600_000
    /// The futures clock; nil: the wall clock.
    var clock: SimClock?

    /// The settings of `configuration`.
    init(_ configuration: FuturesConfiguration) {
        walletBalance = FuturesMath.money(configuration.walletBalance)
        defaultLeverage = configuration.defaultLeverage
        maxLeverage = configuration.maxLeverage
        makerRate = FuturesMath.money(configuration.makerCommission)
        takerRate = FuturesMath.money(configuration.takerCommission)
        maintenanceRate = FuturesMath.money(configuration.maintenanceMarginRate)
        fundingRate = FuturesMath.money(configuration.fundingRate)
        fundingIntervalMillis = max(1, configuration.fundingIntervalMillis)
        clock = configuration.clock
    }
}

/// One futures account.
struct FuturesAccount: Sendable {
    /// The USDT wallet balance (deposits, realized PnL, commissions, funding).
    var wallet: Int64
    /// Positions by symbol.
    var positions: [String: FuturesPosition] = [:]
    /// Leverage by symbol, where changed.
    var leverage: [String: Int] = [:]
    /// When the account last changed.
    var updateTime: Int64 = 0
    /// Recent fills, oldest first.
    var trades: [FuturesTrade] = []
}

/// A one-way position: `amount` > 0 long, < 0 short.
struct FuturesPosition: Hashable, Sendable {
    /// The signed size, a mantissa at the contract's quantity exponent.
    var amount: Int64 = 0
    /// Σ price × quantity of the open size at entry (money, ≥ 0): entry price = this / |amount|.
    var entryNotional: Int64 = 0
    /// Realized PnL accumulated on this symbol (money; ACCOUNT_UPDATE's `cr`).
    var realized: Int64 = 0
    /// When it last changed.
    var updateTime: Int64 = 0
}

/// An order of the futures venue, by symbol and order id.
struct FuturesOrderKey: Hashable, Sendable {
    let symbol: String
    let orderId: Int64
}

/// What the futures venue keeps of an order beyond the matching engine.
struct FuturesOrderTag: Hashable, Sendable {
    /// `reduceOnly=true`.
    var reduceOnly = false
    /// Placed with `timeInForce=GTX` (the engine's LIMIT_MAKER).
    var postOnly = false
    /// Realized PnL of its fills so far (money).
    var realizedPnl: Int64 = 0
}

/// One fill of a futures account, as `GET /fapi/v1/userTrades` lists it.
struct FuturesTrade: Hashable, Sendable {
    let symbol: String
    let tradeId: Int64
    let orderId: Int64
    let side: Side
    let price: Price
    let quantity: Quantity
    /// price × quantity (money).
    let quoteQuantity: Int64
    /// USDT commission (money).
    let commission: Int64
    /// Realized PnL (money).
    let realizedPnl: Int64
    let isMaker: Bool
    let time: Int64
}

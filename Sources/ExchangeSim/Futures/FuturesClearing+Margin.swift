import EngineModel
import Matching

/// A contract as the margin calculation sees it: its rules, its mark price and the account's
/// open orders on it.
struct FuturesMarketView: Sendable {
    /// The contract's rules.
    let spec: SymbolSpec
    /// The mark price mantissa at `markExponent`: the book's mid (one digit finer than a tick).
    let mark: Int64
    /// The account's open orders that can add to its position (reduce-only ones left out).
    var orders: [FuturesOpenOrder]

    /// The exponent of `mark`.
    var markExponent: Int8 { spec.priceExponent - 1 }

    /// The mark price as money (8 decimals).
    var markMoney: Int64 {
        FuturesMath.product(mark, 1, shift: Int(markExponent) - Int(FuturesMath.moneyExponent))
    }
}

/// An open order's remaining size and limit price, as mantissas at the contract's exponents.
struct FuturesOpenOrder: Hashable, Sendable {
    let side: Side
    let remaining: Int64
    let price: Int64
}

/// One position's risk figures (money unless said otherwise).
struct FuturesPositionRisk: Sendable {
    let symbol: String
    /// The exponent of `position.amount`.
    let quantityExponent: Int8
    let position: FuturesPosition
    let leverage: Int
    let markPrice: Int64
    let entryPrice: Int64
    /// amount × mark, signed.
    let notional: Int64
    let unrealized: Int64
    /// |notional| / leverage.
    let positionMargin: Int64
    /// |notional| × maintenance rate.
    let maintMargin: Int64
    /// Initial margin of the open orders.
    let orderMargin: Int64
    /// Notional of open buy and sell orders.
    let bidNotional: Int64
    let askNotional: Int64
}

/// An account's cross-margin figures (money).
struct FuturesAccountRisk: Sendable {
    let wallet: Int64
    /// Per contract, sorted by symbol.
    let positions: [FuturesPositionRisk]

    var unrealized: Int64 { positions.reduce(0) { $0 + $1.unrealized } }
    var positionMargin: Int64 { positions.reduce(0) { $0 + $1.positionMargin } }
    var orderMargin: Int64 { positions.reduce(0) { $0 + $1.orderMargin } }
    var maintMargin: Int64 { positions.reduce(0) { $0 + $1.maintMargin } }
    /// Wallet + unrealized PnL.
    var marginBalance: Int64 { wallet + unrealized }
    /// Margin balance − initial margin of positions and open orders.
    var available: Int64 { marginBalance - positionMargin - orderMargin }
    /// Whether the margin ratio (maintenance margin / margin balance) reached 100 %.
    var isLiquidatable: Bool { maintMargin > 0 && marginBalance <= maintMargin }
}

extension FuturesClearing {
    /// The account's margin figures at the given marks.
    func risk(_ account: AccountID, markets: [FuturesMarketView]) -> FuturesAccountRisk {
        let state = accounts[account] ?? FuturesAccount(wallet: 0)
        let positions = markets.sorted { $0.spec.symbol < $1.spec.symbol }.map { market in
            positionRisk(state, market)
        }
        return FuturesAccountRisk(wallet: state.wallet, positions: positions)
    }

    /// One contract's figures for an account.
    private func positionRisk(_ state: FuturesAccount, _ market: FuturesMarketView) -> FuturesPositionRisk {
        let spec = market.spec
        let position = state.positions[spec.symbol] ?? FuturesPosition()
        let leverage = state.leverage[spec.symbol] ?? settings.defaultLeverage
        let notional = FuturesMath.notional(
            price: market.mark, priceExponent: market.markExponent, quantity: position.amount,
            quantityExponent: spec.quantityExponent)
        let unrealized = position.amount == 0 ? 0 : notional - (position.amount > 0 ? 1 : -1) * position.entryNotional
        let size = notional.magnitude > 0 ? Int64(notional.magnitude) : 0
        let orders = Self.orderMargin(market.orders, position: position.amount, spec: spec, leverage: leverage)
        return FuturesPositionRisk(
            symbol: spec.symbol, quantityExponent: spec.quantityExponent, position: position, leverage: leverage, markPrice: market.markMoney,
            entryPrice: Self.entryPrice(position, quantityExponent: spec.quantityExponent), notional: notional,
            unrealized: unrealized, positionMargin: size / Int64(leverage),
            maintMargin: FuturesMath.apply(rate: settings.maintenanceRate, to: size), orderMargin: orders.margin,
            bidNotional: orders.bid, askNotional: orders.ask)
    }

    /// Initial margin of open orders: per side the notional that would add to the position
    /// (orders on the closing side count only beyond the position's size), the larger side
    /// over the leverage.
    static func orderMargin(
        _ orders: [FuturesOpenOrder], position: Int64, spec: SymbolSpec, leverage: Int
    ) -> (margin: Int64, bid: Int64, ask: Int64) {
        var notional: [Side: Int64] = [.buy: 0, .sell: 0]
        var size: [Side: Int64] = [.buy: 0, .sell: 0]
        for order in orders {
            notional[order.side, default: 0] += FuturesMath.notional(
                price: order.price, priceExponent: spec.priceExponent, quantity: order.remaining,
                quantityExponent: spec.quantityExponent)
            size[order.side, default: 0] += order.remaining
        }
        func adding(_ side: Side) -> Int64 {
            let total = notional[side] ?? 0
            let quantity = size[side] ?? 0
            let closes = side == .buy ? max(0, -position) : max(0, position)
            guard quantity > 0, closes > 0 else { return total }
            return FuturesMath.mulDiv(total, max(0, quantity - closes), quantity)
        }
        let margin = max(adding(.buy), adding(.sell)) / Int64(max(1, leverage))
        return (margin, notional[.buy] ?? 0, notional[.sell] ?? 0)
    }

    /// Whether the account can afford `order` on `symbol` on top of what it holds: true when
    /// the order adds no initial margin, or the available balance stays ≥ 0 with it.
    func admits(_ account: AccountID, order: FuturesOpenOrder, symbol: String, markets: [FuturesMarketView]) -> Bool {
        let before = risk(account, markets: markets)
        let with = markets.map { market -> FuturesMarketView in
            guard market.spec.symbol == symbol else { return market }
            var changed = market
            changed.orders.append(order)
            return changed
        }
        let after = risk(account, markets: with)
        return after.orderMargin <= before.orderMargin || after.available >= 0
    }
}

import EngineKit
import EngineModel
import Matching

/// How simulation mode speaks to the matching engine: commands as venue requests, books as
/// replayed diffs, the instruments' assets and the account's starting balances.
extension SimulationRoute {
    /// A symbol's base and quote assets ("BTCUSDT": BTC, USDT), by its quote suffix; the fee of
    /// a buy is charged in the base, of a sell in the quote.
    static func assets(of symbol: String) -> (base: String, quote: String) { Instrument.assets(ofSymbol: symbol) }

    /// A command as the venue request the live path would send (LIMIT with its time in force,
    /// LIMIT_MAKER, MARKET by quantity).
    static func request(_ command: OrderCommand, instrument: Instrument) -> NewOrder {
        let price = Price(mantissa: command.price, exponent: instrument.priceExponent)
        let quantity = Quantity(mantissa: command.quantity, exponent: instrument.quantityExponent)
        let clientOrderId = command.clientOrderId.isEmpty ? nil : command.clientOrderId
        switch command.type {
        case .limit:
            return .limit(
                instrument.symbol, command.side, price: price, quantity: quantity, timeInForce: command.timeInForce,
                clientOrderId: clientOrderId)
        case .limitMaker:
            return .limitMaker(
                instrument.symbol, command.side, price: price, quantity: quantity, clientOrderId: clientOrderId)
        case .market:
            return .market(instrument.symbol, command.side, quantity: quantity, clientOrderId: clientOrderId)
        }
    }

    /// The levels of one side that differ between two copies of a book: new or changed levels
    /// with their quantity, vanished ones with zero.
    static func changes(
        from old: [SimulationLevel], to new: [SimulationLevel], _ instrument: Instrument
    ) -> [Matching.BookLevel] {
        var before: [Int64: Int64] = [:]
        for level in old { before[level.price] = level.quantity }
        var changed: [Matching.BookLevel] = []
        func level(_ price: Int64, _ quantity: Int64) -> Matching.BookLevel {
            Matching.BookLevel(
                price: Price(mantissa: price, exponent: instrument.priceExponent),
                quantity: Quantity(mantissa: quantity, exponent: instrument.quantityExponent))
        }
        for entry in new where entry.price > 0 && entry.quantity > 0 {
            if before.removeValue(forKey: entry.price) != entry.quantity {
                changed.append(level(entry.price, entry.quantity))
            }
        }
        for price in before.keys.sorted() { changed.append(level(price, 0)) }
        return changed
    }

    /// Credits `units` whole units of `asset` to the simulated account, fewer when that many do
    /// not fit the asset's balance exponent.
    static func fund(_ engine: inout MatchingEngine, _ asset: String, units: Int64) {
        var units = units
        while units > 0 {
            let amount = Quantity(mantissa: units, exponent: 0)
            if (try? engine.deposit(account: account, asset: asset, amount: amount, now: 0)) != nil { return }
            units /= 10
        }
    }
}

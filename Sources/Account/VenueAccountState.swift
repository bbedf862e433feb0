import EngineModel

// What the venue said about the account at one moment, gathered by the engine's REST client
// (account, positionRisk, openOrders, myTrades/userTrades) for `Reconciler.compare`. Plain data:
// the fetching and its pacing live with the engine's I/O, not here.

/// One order the venue lists as open.
public struct VenueOpenOrder: Hashable, Sendable {
    /// The engine's id of the order (the venue echoes it back): how it is matched with the engine's.
    public var clientOrderId: String
    /// The symbol it trades ("BTCUSDT").
    public var symbol: String
    /// The venue's id of the order.
    public var venueOrderId: UInt64
    /// How much of it has been filled at the venue.
    public var executedQuantity: Quantity
    /// Its original quantity, when the venue says (reported as the size of an unknown order).
    public var quantity: Quantity?

    /// An open order as the venue lists it.
    public init(
        clientOrderId: String, symbol: String, venueOrderId: UInt64, executedQuantity: Quantity,
        quantity: Quantity? = nil
    ) {
        self.clientOrderId = clientOrderId
        self.symbol = symbol
        self.venueOrderId = venueOrderId
        self.executedQuantity = executedQuantity
        self.quantity = quantity
    }
}

/// The venue's view of one account (one market: spot or USD-M) at `fetchedNs`: the source of truth
/// `Reconciler.compare` checks the engine's `AccountSnapshot` against.
public struct VenueAccountState: Sendable {
    /// Every asset the venue lists (free and locked); an asset it does not list holds nothing.
    public var balances: [BalanceUpdate]
    /// USD-M: the positions, one per symbol (a symbol not listed is flat); empty for spot.
    public var positions: [PositionUpdate]
    /// Every order the venue lists as open.
    public var openOrders: [VenueOpenOrder]
    /// The recent trades of the traded symbols (at least those since the previous reconciliation),
    /// as fills: the ones the engine has not seen are taken in.
    public var trades: [Fill]
    /// When the state was fetched (ns since the epoch): the time of the balance and position
    /// corrections made from it.
    public var fetchedNs: Int64

    /// The venue's state from its parts.
    public init(
        balances: [BalanceUpdate] = [], positions: [PositionUpdate] = [], openOrders: [VenueOpenOrder] = [],
        trades: [Fill] = [], fetchedNs: Int64
    ) {
        self.balances = balances
        self.positions = positions
        self.openOrders = openOrders
        self.trades = trades
        self.fetchedNs = fetchedNs
    }

    /// Each asset's total (free + locked) as the venue lists it; a repeated asset keeps its last entry.
    public var totals: [String: Amount] {
        var totals: [String: Amount] = [:]
        for balance in balances { totals[balance.asset] = balance.free + balance.locked }
        return totals
    }

    /// Each symbol's position as the venue lists it; a repeated symbol keeps its last entry.
    public var positionsBySymbol: [String: PositionUpdate] {
        var bySymbol: [String: PositionUpdate] = [:]
        for position in positions { bySymbol[position.symbol] = position }
        return bySymbol
    }
}

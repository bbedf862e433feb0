import EngineModel

/// The simulated venue's matching engine: per symbol a price-time priority order book, the
/// accounts' balances, Binance's filters and errors, and the events a real venue would send —
/// as one I/O-free state machine.
///
/// Every mutating call takes the caller's clock (`now`, in the venue's time unit, e.g. ms) and
/// returns the events it caused, in the order a venue sends them; nothing reads a clock or
/// does I/O here, so the transport layers own time and sockets and tests are deterministic.
/// Refused requests throw a `VenueError` and change nothing.
public struct MatchingEngine: Sendable {
    /// Venue-wide settings.
    public struct Configuration: Hashable, Sendable {
        /// The commission every account pays unless given its own (`setCommission`).
        public var commissions: CommissionSchedule

        /// The exponent of balances of assets missing from `assetExponents` (−8, as Binance).
        public var defaultAssetExponent: Int8

        /// Per-asset balance exponents ("BTC": −8).
        public var assetExponents: [String: Int8]

        /// How many closed orders each symbol remembers for queries.
        public var closedOrderHistory: Int

        /// How many fills each (account, symbol) remembers for `myTrades`.
        public var tradeHistory: Int

        /// The first order id of every symbol.
        public var firstOrderId: Int64

        /// Seeds generated client order ids.
        public var seed: UInt64

        /// Settings with Binance-like defaults: 10 bp maker and taker, 8-decimal balances.
        public init(
            commissions: CommissionSchedule = .standard, defaultAssetExponent: Int8 = -8,
            assetExponents: [String: Int8] = [:], closedOrderHistory: Int = 10_000, tradeHistory: Int = 10_000,
            firstOrderId: Int64 = 1, seed: UInt64 = 0
        ) {
            self.commissions = commissions
            self.defaultAssetExponent = defaultAssetExponent
            self.assetExponents = assetExponents
            self.closedOrderHistory = closedOrderHistory
            self.tradeHistory = tradeHistory
            self.firstOrderId = firstOrderId
            self.seed = seed
        }
    }

    /// The settings the engine was made with.
    public let configuration: Configuration

    /// Per-symbol state, keyed by upper-case symbol.
    var symbols: [String: SymbolState] = [:]

    /// Every account's balances.
    var ledger: Ledger

    /// Accounts with their own commission rates.
    var commissionOverrides: [AccountID: CommissionSchedule] = [:]

    /// Makes client order ids for requests without one.
    var clientIds: ClientOrderIdGenerator

    /// Recent fills per (account, symbol).
    var tradeLogs: [TradeLogKey: BoundedLog<VenueFill>] = [:]

    /// An engine with no symbols and no accounts.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        ledger = Ledger(defaultExponent: configuration.defaultAssetExponent, exponents: configuration.assetExponents)
        clientIds = ClientOrderIdGenerator(seed: configuration.seed)
    }

    /// Lists a symbol. In `.shadow` mode its published book is driven from a recording
    /// (`setLevel`, `applyReplayUpdate`) and user orders trade against it without impact.
    ///
    /// - Precondition: the symbol is not listed yet, and its quantities are exact at the base
    ///   asset's balance exponent (quantity exponent ≥ asset exponent).
    public mutating func addSymbol(_ spec: SymbolSpec, mode: BookMode = .live) {
        precondition(symbols[spec.symbol] == nil, "\(spec.symbol) is listed twice")
        precondition(
            spec.quantityExponent >= ledger.exponent(of: spec.baseAsset),
            "\(spec.symbol) quantities are finer than \(spec.baseAsset) balances")
        symbols[spec.symbol] = SymbolState(
            spec: spec, shadow: mode == .shadow, history: configuration.closedOrderHistory,
            firstOrderId: configuration.firstOrderId)
    }

    /// The listed symbols, sorted.
    public var listedSymbols: [String] { symbols.keys.sorted() }

    /// A listed symbol's rules.
    public func spec(_ symbol: String) throws(VenueError) -> SymbolSpec {
        try symbols[symbolKey(symbol)]!.spec
    }

    /// Gives an account its own maker/taker rates; nil returns it to the default.
    public mutating func setCommission(_ schedule: CommissionSchedule?, for account: AccountID) {
        commissionOverrides[account] = schedule
    }

    /// The rates an account pays.
    public func commission(for account: AccountID) -> CommissionSchedule {
        commissionOverrides[account] ?? configuration.commissions
    }

    /// The exponent balances of `asset` are kept at.
    public func assetExponent(_ asset: String) -> Int8 { ledger.exponent(of: asset) }

    /// The commission the venue has collected in `asset`.
    public func collectedFees(_ asset: String) -> Quantity {
        Quantity(mantissa: ledger.fees[asset] ?? 0, exponent: ledger.exponent(of: asset))
    }

    /// Credits an account (a deposit): a `balanceUpdate` and an `outboundAccountPosition`.
    /// Throws -1111 when `amount` has more decimals than the asset.
    public mutating func deposit(
        account: AccountID, asset: String, amount: Quantity, now: Int64
    ) throws(VenueError) -> [VenueEvent] {
        let exponent = ledger.exponent(of: asset)
        guard let mantissa = try? amount.rescaled(to: exponent).mantissa else { throw .badPrecision("amount") }
        ledger.credit(account, asset, mantissa)
        let update = BalanceUpdate(
            account: account, asset: asset, delta: Price(mantissa: mantissa, exponent: exponent), time: now)
        return [.balanceUpdate(update)] + ledger.drainPositions(time: now).map(VenueEvent.accountPosition)
    }

    /// Debits an account's free balance (a withdrawal); -2010 insufficient balance when short.
    public mutating func withdraw(
        account: AccountID, asset: String, amount: Quantity, now: Int64
    ) throws(VenueError) -> [VenueEvent] {
        let exponent = ledger.exponent(of: asset)
        guard let mantissa = try? amount.rescaled(to: exponent).mantissa else { throw .badPrecision("amount") }
        guard ledger.debit(account, asset, mantissa) else { throw .insufficientBalance }
        let update = BalanceUpdate(
            account: account, asset: asset, delta: Price(mantissa: -mantissa, exponent: exponent), time: now)
        return [.balanceUpdate(update)] + ledger.drainPositions(time: now).map(VenueEvent.accountPosition)
    }

    /// The dictionary key of a symbol (symbols are matched case-insensitively), or -1121.
    func symbolKey(_ symbol: String) throws(VenueError) -> String {
        if symbols[symbol] != nil { return symbol }
        let upper = symbol.uppercased()
        guard symbols[upper] != nil else { throw .invalidSymbol }
        return upper
    }
}

/// How a symbol's book is driven.
public enum BookMode: Hashable, Sendable {
    /// Orders match each other; the book is what they leave.
    case live
    /// The published book is replayed from recorded data; user orders fill against it without
    /// changing it (no market impact).
    case shadow
}

/// The key of one account's fill history on one symbol.
struct TradeLogKey: Hashable, Sendable {
    /// The account.
    let account: AccountID
    /// The symbol.
    let symbol: String
}

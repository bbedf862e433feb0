import EngineModel

/// The account processor's state: balances, positions, orders and PnL, changed only by `apply`.
///
/// One thread owns a book (the single writer); it publishes `snapshot()` to an `AccountStateStore`
/// and the changes `apply` returns to an `AccountBroadcaster`. The book is I/O free.
///
/// - Balances come only from the venue (`.balance` events): a fill does not move them, the venue's
///   next balance update does, so a balance update arriving before or after its fill is never
///   counted twice.
/// - Positions are per (strategy, symbol), from fills, by the average-cost method (`PositionMath`).
///   `PositionEntry.size` is a `Quantity` and so holds |size|; the signed size is
///   `signedSize(of:)`.
/// - PnL is in `settings.quoteAsset`, per strategy and for the whole account.
public struct AccountBook: Sendable {
    /// The book's setup.
    public let settings: AccountBookSettings
    /// Bumped by every `apply` that changed something.
    public internal(set) var version: UInt64 = 0
    /// The highest journal sequence of an event that changed something.
    var journalSeq: UInt64 = 0
    /// The highest journal sequence applied, whether or not it changed anything.
    public internal(set) var appliedSeq: UInt64 = 0
    /// The latest event time (ns since the epoch) of an event that changed something.
    var updatedNs: Int64 = 0
    /// The latest event time seen: the clock daily PnL rolls over by.
    var now: Int64 = 0

    var balances: [String: BalanceEntry] = [:]
    var positions: [PositionKey: PositionEntry] = [:]
    var signedSizes: [PositionKey: SignedSize] = [:]
    /// The strategies holding a position of each symbol, for marks.
    var strategiesBySymbol: [String: [UInt32]] = [:]
    var venuePositions: [String: PositionUpdate] = [:]
    var marks: [String: Price] = [:]

    var orders: [String: AccountOrder] = [:]
    /// Closed orders' ids, oldest first, for eviction.
    var closedOrder: [String] = []
    var executionRings: [String: ExecutionRing] = [:]

    /// Fill keys (`Fill.key`) already counted.
    public internal(set) var seenTradeKeys: Set<String> = []
    /// Funding keys (`FundingPayment.key`) already counted.
    public internal(set) var seenFundingKeys: Set<String> = []
    /// Fees in an asset that could not be converted to the quote asset (no mark of
    /// "\(asset)\(quote)" yet), by asset: left out of PnL.
    public internal(set) var unconvertedFees: [String: Amount] = [:]
    /// Funding in an asset that could not be converted to the quote asset, by asset: left out of PnL.
    public internal(set) var unconvertedFunding: [String: Amount] = [:]

    var strategyPnL: [UInt32: PnLTrack] = [:]
    var totalPnL = PnLTrack()
    /// The first total of the quote asset's balance seen: the equity drawdowns are measured against.
    public internal(set) var equityBase: Amount?
    /// The UTC day (days since the epoch) daily PnL counts from; nil before the first event.
    var day: Int64?

    /// An empty account.
    public init(settings: AccountBookSettings) {
        self.settings = settings
    }

    /// Applies one event (journal record `seq`); returns what changed, empty when nothing did (a
    /// duplicate fill or funding payment, a balance the book already had, a stale order update).
    public mutating func apply(_ event: AccountEvent, seq: UInt64 = 0) -> [AccountChange] {
        appliedSeq = max(appliedSeq, seq)
        let ns = event.ns
        now = max(now, ns)
        var changes: [AccountChange] = []
        let pnlBefore = totalPnL.summary
        var pnlTouched = rollDay()
        switch event {
        case .fill(let fill): pnlTouched = applyFill(fill, into: &changes) || pnlTouched
        case .balance(let update): pnlTouched = applyBalance(update, into: &changes) || pnlTouched
        case .position(let update): pnlTouched = applyVenuePosition(update, into: &changes) || pnlTouched
        case .funding(let payment): pnlTouched = applyFunding(payment, into: &changes) || pnlTouched
        case .order(let order): applyOrder(order, into: &changes)
        case .mark(let symbol, let price, _): pnlTouched = applyMark(symbol, price, into: &changes) || pnlTouched
        case .clock: break
        }
        if pnlTouched {
            refreshPnL()
            // Empty changes here: the day rolled over for some strategy while the total stood still.
            if totalPnL.summary != pnlBefore || changes.isEmpty { changes.append(.pnl(totalPnL.summary)) }
        }
        guard !changes.isEmpty else { return [] }
        version += 1
        journalSeq = max(journalSeq, seq)
        updatedNs = max(updatedNs, ns)
        return changes
    }

    /// The account as it stands, for `AccountStateStore.publish`.
    public func snapshot() -> AccountSnapshot {
        var snapshot = AccountSnapshot()
        snapshot.version = version
        snapshot.balances = balances
        snapshot.positions = positions
        snapshot.orders = orders
        snapshot.pnlByStrategy = strategyPnL.mapValues(\.summary)
        snapshot.pnl = totalPnL.summary
        snapshot.journalSeq = journalSeq
        snapshot.updatedNs = updatedNs
        snapshot.venuePositions = venuePositions
        return snapshot
    }

    /// The signed size of a position (+ long, − short); nil when the book has none for `key`.
    public func signedSize(of key: PositionKey) -> SignedSize? { signedSizes[key] }

    /// The last mark seen for `symbol`.
    public func mark(of symbol: String) -> Price? { marks[symbol] }

    /// Whether the fill with this key (`Fill.key`, "venue:tradeId") was already counted.
    public func hasSeen(tradeKey: String) -> Bool { seenTradeKeys.contains(tradeKey) }

    /// Recovery: marks fills (`Fill.key`) and funding payments (`FundingPayment.key`, recognised by
    /// ":funding:") a previous run already counted, so they are not counted again.
    public mutating func markSeen(_ keys: some Sequence<String>) {
        for key in keys {
            if key.contains(":funding:") {
                seenFundingKeys.insert(key)
            } else {
                seenTradeKeys.insert(key)
            }
        }
    }

    /// Stores a balance; `available = free`, `total = free + locked`. Only a change of total or
    /// available counts (a repeat of the same figures keeps the entry as it was).
    mutating func applyBalance(_ update: BalanceUpdate, into changes: inout [AccountChange]) -> Bool {
        let entry = BalanceEntry(
            asset: update.asset, total: update.free + update.locked, available: update.free, source: update.source,
            updatedNs: update.venueNs)
        var pnlTouched = false
        if update.asset == settings.quoteAsset, equityBase == nil {
            equityBase = entry.total
            pnlTouched = true
        }
        if let old = balances[update.asset], old.total == entry.total, old.available == entry.available {
            return pnlTouched
        }
        balances[update.asset] = entry
        changes.append(.balance(entry))
        return pnlTouched
    }

    /// Stores a position and keeps the PnL's unrealized sums in step with it.
    mutating func store(_ entry: PositionEntry, size: SignedSize) {
        let key = entry.key
        let old = positions.updateValue(entry, forKey: key)
        signedSizes[key] = size
        if old == nil { strategiesBySymbol[key.symbol, default: []].append(key.strategyId) }
        let delta = entry.unrealizedPnl - (old?.unrealizedPnl ?? .zero)
        if delta != .zero {
            strategyPnL[key.strategyId, default: PnLTrack()].summary.unrealizedPnl += delta
            totalPnL.summary.unrealizedPnl += delta
        }
    }

    /// The position for `key`, or a new flat one.
    func position(_ key: PositionKey, exponent: Int8) -> (entry: PositionEntry, size: SignedSize) {
        if let entry = positions[key], let size = signedSizes[key] { return (entry, size) }
        let market = settings.symbols[key.symbol]?.market ?? .spot
        return (
            PositionEntry(key: key, market: market, size: SignedSize(mantissa: 0, exponent: exponent)),
            SignedSize(mantissa: 0, exponent: exponent)
        )
    }
}

extension AccountEvent {
    /// When it happened, ns since the epoch.
    var ns: Int64 {
        switch self {
        case .fill(let fill): fill.venueNs
        case .balance(let update): update.venueNs
        case .position(let update): update.venueNs
        case .funding(let payment): payment.venueNs
        case .order(let order): order.lastUpdateNs
        case .mark(_, _, let ns), .clock(let ns): ns
        }
    }
}

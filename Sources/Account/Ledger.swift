import EngineModel

// The double-entry ledger of the account: every fill, fee, funding payment and venue balance
// correction as balanced postings, so the books can be audited (a trial balance) and the assets'
// balances shown to equal the venue's. Debits are positive, credits negative; every transaction's
// postings sum to zero in each asset.
//
// Accounts:
// - `assets:<market>:<ASSET>`: what the account holds at the venue (market = spot / usdm);
// - `positions:usdm:<SYMBOL>`: open USD-M contracts, in the symbol's own unit (asset = the symbol);
// - `equity:trading:<SYMBOL>`: the other side of trades (spot: base against quote; USD-M: contracts);
// - `income:trading:<SYMBOL>`: USD-M realized PnL; `income:funding`: funding received (credit);
// - `expenses:fees`: commissions;
// - `equity:opening`, `equity:adjustments`: what `align` posts to make an asset equal the venue's.

/// The account's double-entry ledger, I/O free and exact at 10⁻⁸.
///
/// Each event is recorded once by its key (`Fill.key`, `FundingPayment.key`): a second record of
/// the same key posts nothing. USD-M realized PnL comes from the ledger's own account-wide average
/// cost per symbol (not per strategy), the venue's own way of computing it.
///
/// Every posting is kept in memory (`postings`) for the recorder and for audits; an engine that runs
/// for weeks should persist and trim them (a later change: balances never need the old postings).
public struct Ledger: Sendable {
    /// A balance's identity: an account in one asset.
    struct Slot: Hashable, Sendable, Comparable {
        var account: String
        var asset: String

        static func < (lhs: Slot, rhs: Slot) -> Bool { (lhs.account, lhs.asset) < (rhs.account, rhs.asset) }
    }

    /// The running debit and credit sums of one slot (credits as a magnitude).
    struct Totals: Hashable, Sendable {
        var debits: Amount = .zero
        var credits: Amount = .zero
        var balance: Amount { debits - credits }
    }

    /// The average-cost state of one USD-M symbol, in units of 10⁻⁸ contracts.
    struct CostBasis: Hashable, Sendable {
        /// Signed: + long, − short.
        var size: Amount = .zero
        /// The average entry price of the open size (nil when flat).
        var average: Amount?
    }

    /// Every posting, in the order it was made.
    public private(set) var postings: [Posting] = []
    var totals: [Slot: Totals] = [:]
    /// The keys of the fills and funding payments recorded.
    var recordedKeys: Set<String> = []
    /// Transaction ids in use, so an `align` reusing an event key still gets a unique one.
    var transactionIds: Set<String> = []
    /// `assets:` accounts (by slot) that `align` has posted to: later alignments are adjustments.
    var alignedSlots: Set<Slot> = []
    var costBasis: [String: CostBasis] = [:]

    /// An empty ledger.
    public init() {}

    /// The balance of `account` in `asset` (debits − credits; zero when never posted to).
    public func balance(account: String, asset: String) -> Amount {
        totals[Slot(account: account, asset: asset)]?.balance ?? .zero
    }

    /// Whether a fill or funding payment with this key (`Fill.key`, `FundingPayment.key`) has been recorded.
    public func hasRecorded(eventKey: String) -> Bool { recordedKeys.contains(eventKey) }

    /// The ledger's average entry price of a USD-M symbol's open position (nil when flat).
    public func averageCost(symbol: String) -> Amount? { costBasis[symbol]?.average }

    /// The ledger's signed USD-M position of a symbol (+ long, − short), as recorded from fills.
    public func positionSize(symbol: String) -> Amount { costBasis[symbol]?.size ?? .zero }

    /// Posts whatever makes `assets:<market>:<asset>` equal `venueTotal` (free + locked at the venue).
    ///
    /// The first alignment that posts something to an asset is its opening balance (`equity:opening`);
    /// later ones are `equity:adjustments` (deposits, withdrawals, transfers, anything the ledger did
    /// not see). Nothing is posted when the balance already equals the venue's, so calling this after
    /// every reconciliation and venue balance update is cheap and idempotent by value.
    ///
    /// - Parameters:
    ///   - eventKey: what caused the alignment ("recon:1700000000000", "binance:balance:…"); it may be
    ///     shared by the alignments of several assets.
    ///   - ns: the venue time of the figure, ns since the epoch.
    /// - Returns: the postings made (none, or two).
    public mutating func align(
        market: MarketKind, asset: String, venueTotal: Amount, eventKey: String, ns: Int64
    ) -> [Posting] {
        let account = Ledger.assets(market, asset)
        let slot = Slot(account: account, asset: asset)
        let difference = venueTotal - balance(account: account, asset: asset)
        guard difference != .zero else { return [] }
        let opening = !alignedSlots.contains(slot)
        let counter = opening ? "equity:opening" : "equity:adjustments"
        let transaction = uniqueTransactionId("\(eventKey)#align:\(market.rawValue):\(asset)")
        var made: [Posting] = []
        post(&made, transaction, eventKey, account, asset, difference, ns)
        post(&made, transaction, eventKey, counter, asset, -difference, ns)
        alignedSlots.insert(slot)
        return made
    }

    /// `assets:<market>:<asset>`.
    static func assets(_ market: MarketKind, _ asset: String) -> String { "assets:\(market.rawValue):\(asset)" }

    /// Appends one posting to the ledger and to `made`, keeping the running totals; zero amounts are
    /// not posted.
    mutating func post(
        _ made: inout [Posting], _ transaction: String, _ eventKey: String, _ account: String, _ asset: String,
        _ amount: Amount, _ ns: Int64
    ) {
        guard amount != .zero else { return }
        let posting = Posting(
            transactionId: transaction, eventKey: eventKey, account: account, asset: asset, amount: amount, venueNs: ns)
        apply(posting)
        made.append(posting)
    }

    /// Adds a posting to the totals and the journal (recording and replaying alike).
    mutating func apply(_ posting: Posting) {
        let slot = Slot(account: posting.account, asset: posting.asset)
        var slotTotals = totals[slot] ?? Totals()
        if posting.amount > .zero {
            slotTotals.debits += posting.amount
        } else {
            slotTotals.credits -= posting.amount
        }
        totals[slot] = slotTotals
        transactionIds.insert(posting.transactionId)
        postings.append(posting)
    }

    /// `base`, or `base#2`, `base#3`, … when `base` is already a transaction's id.
    func uniqueTransactionId(_ base: String) -> String {
        guard transactionIds.contains(base) else { return base }
        var suffix = 2
        while transactionIds.contains("\(base)#\(suffix)") { suffix += 1 }
        return "\(base)#\(suffix)"
    }
}

// The trial balance: every account's debits and credits, and the proof that the books balance —
// each asset's debits equal its credits, so all its postings sum to zero.

/// A ledger's accounts and totals at one moment (`Ledger.trialBalance()`).
public struct TrialBalance: Hashable, Sendable, Codable {
    /// One account in one asset.
    public struct Row: Hashable, Sendable, Codable {
        /// "assets:spot:USDT", "expenses:fees", …
        public var account: String
        /// The asset the row is in ("USDT"; USD-M positions: the symbol).
        public var asset: String
        /// The sum of its debits (positive postings).
        public var debits: Amount
        /// The sum of its credits, as a magnitude (the negative postings, negated).
        public var credits: Amount
        /// `debits − credits`.
        public var balance: Amount

        /// A row from its figures.
        public init(account: String, asset: String, debits: Amount, credits: Amount, balance: Amount) {
            self.account = account
            self.asset = asset
            self.debits = debits
            self.credits = credits
            self.balance = balance
        }
    }

    /// One asset's totals over every account.
    public struct AssetTotal: Hashable, Sendable, Codable {
        /// The asset.
        public var asset: String
        /// The sum of all debits in it.
        public var debits: Amount
        /// The sum of all credits in it, as a magnitude.
        public var credits: Amount

        /// Whether the asset's postings sum to zero.
        public var balanced: Bool { debits == credits }

        /// A total from its figures.
        public init(asset: String, debits: Amount, credits: Amount) {
            self.asset = asset
            self.debits = debits
            self.credits = credits
        }
    }

    /// Every account posted to, sorted by account then asset.
    public var rows: [Row]
    /// Every asset posted in, sorted by asset.
    public var assets: [AssetTotal]
    /// Whether every asset's debits equal its credits.
    public var balanced: Bool

    /// A trial balance from its rows and totals.
    public init(rows: [Row], assets: [AssetTotal], balanced: Bool) {
        self.rows = rows
        self.assets = assets
        self.balanced = balanced
    }

    /// The row of `account` in `asset`, if it was ever posted to.
    public func row(account: String, asset: String) -> Row? {
        rows.first { $0.account == account && $0.asset == asset }
    }
}

extension Ledger {
    /// Every account's debits, credits and balance, each asset's totals, and whether the books
    /// balance (they always should: a false here is a bug in the ledger or a corrupt replay).
    public func trialBalance() -> TrialBalance {
        var rows: [TrialBalance.Row] = []
        var byAsset: [String: Totals] = [:]
        for (slot, slotTotals) in totals.sorted(by: { $0.key < $1.key }) {
            rows.append(
                TrialBalance.Row(
                    account: slot.account, asset: slot.asset, debits: slotTotals.debits, credits: slotTotals.credits,
                    balance: slotTotals.balance))
            byAsset[slot.asset, default: Totals()].debits += slotTotals.debits
            byAsset[slot.asset, default: Totals()].credits += slotTotals.credits
        }
        let assets = byAsset.sorted { $0.key < $1.key }.map {
            TrialBalance.AssetTotal(asset: $0.key, debits: $0.value.debits, credits: $0.value.credits)
        }
        return TrialBalance(rows: rows, assets: assets, balanced: assets.allSatisfy(\.balanced))
    }
}

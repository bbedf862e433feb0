import EngineModel

/// Every account's balances, as integer mantissas at each asset's exponent, with the set of
/// balances changed since the last `drainPositions` so each venue call can report them as
/// `outboundAccountPosition` events.
///
/// Moving money is split into the few operations order handling needs: credit free, lock
/// (free → locked), unlock (locked → free) and spend locked. Each keeps both amounts ≥ 0;
/// violating that is a matching-engine bug and traps.
struct Ledger: Sendable {
    /// One asset's balance in one account.
    struct Holding: Sendable {
        /// Available mantissa.
        var free: Int64 = 0
        /// Mantissa held by open orders.
        var locked: Int64 = 0
    }

    /// The exponent of assets missing from `exponents`.
    let defaultExponent: Int8

    /// Per-asset exponents ("BTC": −8).
    let exponents: [String: Int8]

    /// Holdings by account and asset.
    private var holdings: [AccountID: [String: Holding]] = [:]

    /// Commission collected by the venue, per asset, at the asset's exponent.
    private(set) var fees: [String: Int64] = [:]

    /// Accounts with changed balances, in the order they were first touched.
    private var touchedAccounts: [AccountID] = []

    /// The changed assets of each touched account.
    private var touchedAssets: [AccountID: Set<String>] = [:]

    /// A ledger with no accounts.
    init(defaultExponent: Int8, exponents: [String: Int8]) {
        self.defaultExponent = defaultExponent
        self.exponents = exponents
    }

    /// The exponent balances of `asset` are kept at.
    func exponent(of asset: String) -> Int8 { exponents[asset] ?? defaultExponent }

    /// One balance (zero when the account never held the asset).
    func holding(_ account: AccountID, _ asset: String) -> Holding {
        holdings[account]?[asset] ?? Holding()
    }

    /// Every asset the account holds or ever held, sorted by asset name.
    func balances(of account: AccountID) -> [VenueBalance] {
        guard let assets = holdings[account] else { return [] }
        return assets.keys.sorted().map { balance(account, $0) }
    }

    /// One balance as the venue reports it.
    func balance(_ account: AccountID, _ asset: String) -> VenueBalance {
        let h = holding(account, asset)
        let e = exponent(of: asset)
        return VenueBalance(
            asset: asset, free: Quantity(mantissa: h.free, exponent: e),
            locked: Quantity(mantissa: h.locked, exponent: e))
    }

    /// Adds to the free balance.
    mutating func credit(_ account: AccountID, _ asset: String, _ amount: Int64) {
        update(account, asset) { $0.free += amount }
    }

    /// Removes from the free balance; false (and nothing changes) when it is too small.
    mutating func debit(_ account: AccountID, _ asset: String, _ amount: Int64) -> Bool {
        guard holding(account, asset).free >= amount else { return false }
        update(account, asset) { $0.free -= amount }
        return true
    }

    /// Moves free → locked; false (and nothing changes) when free is too small.
    mutating func lock(_ account: AccountID, _ asset: String, _ amount: Int64) -> Bool {
        guard holding(account, asset).free >= amount else { return false }
        update(account, asset) {
            $0.free -= amount
            $0.locked += amount
        }
        return true
    }

    /// Moves locked → free.
    mutating func unlock(_ account: AccountID, _ asset: String, _ amount: Int64) {
        guard amount != 0 else { return }
        update(account, asset) {
            precondition($0.locked >= amount, "unlocking more \(asset) than \(account) has locked")
            $0.locked -= amount
            $0.free += amount
        }
    }

    /// Removes from the locked balance: the amount an order pays on a fill.
    mutating func spendLocked(_ account: AccountID, _ asset: String, _ amount: Int64) {
        update(account, asset) {
            precondition($0.locked >= amount, "spending more \(asset) than \(account) has locked")
            $0.locked -= amount
        }
    }

    /// Records commission kept by the venue.
    mutating func collectFee(_ asset: String, _ amount: Int64) {
        guard amount != 0 else { return }
        fees[asset, default: 0] += amount
    }

    /// Marks a balance as changed without changing it (Binance reports both assets of a symbol
    /// whenever an order touches either).
    mutating func touch(_ account: AccountID, _ asset: String) {
        if touchedAssets[account] == nil { touchedAccounts.append(account) }
        touchedAssets[account, default: []].insert(asset)
    }

    /// The changed balances since the last call, one position per account in first-touched
    /// order, assets sorted by name; clears the change set.
    mutating func drainPositions(time: Int64) -> [AccountPosition] {
        defer {
            touchedAccounts.removeAll(keepingCapacity: true)
            touchedAssets.removeAll(keepingCapacity: true)
        }
        return touchedAccounts.map { account in
            let assets = (touchedAssets[account] ?? []).sorted()
            return AccountPosition(account: account, updateTime: time, balances: assets.map { balance(account, $0) })
        }
    }

    /// Applies `change` to one holding and marks it changed.
    private mutating func update(_ account: AccountID, _ asset: String, _ change: (inout Holding) -> Void) {
        change(&holdings[account, default: [:]][asset, default: Holding()])
        touch(account, asset)
    }
}

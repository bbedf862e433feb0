import EngineModel

// Recording fills and funding payments: one transaction per event, its id the event's key, balanced
// in each asset it touches.

extension Ledger {
    /// Records a fill once (by `Fill.key`); a second record of the same key posts nothing.
    ///
    /// Spot, a buy of q BASE at p (a sell mirrors it):
    /// - `assets:spot:BASE` +q / `equity:trading:SYM` −q, in BASE;
    /// - `assets:spot:QUOTE` −p×q / `equity:trading:SYM` +p×q, in QUOTE.
    ///
    /// USD-M, a buy of q contracts (a sell mirrors it):
    /// - `positions:usdm:SYM` +q / `equity:trading:SYM` −q, in the symbol's unit (asset = SYM);
    /// - when it reduces the position, the realized PnL r = (p − average) × closed × (long ? 1 : −1)
    ///   by the account-wide average cost: `assets:usdm:QUOTE` +r / `income:trading:SYM` −r.
    ///   Crossing zero closes the old size and opens the remainder at p.
    ///
    /// Both, a fee f in FEE: `expenses:fees` +f / `assets:<market>:FEE` −f (a rebate is negative), in a
    /// transaction of its own, `<key>#fee`, so no transaction posts twice to one account in one asset.
    ///
    /// The trade's transaction id is the key; every posting carries the key as its `eventKey`.
    ///
    /// - Returns: the postings made, empty for a duplicate.
    public mutating func record(_ fill: Fill) -> [Posting] {
        let key = fill.key
        guard !recordedKeys.contains(key) else { return [] }
        recordedKeys.insert(key)
        let transaction = uniqueTransactionId(key)
        let ns = fill.venueNs
        let sign: Int64 = fill.side == .buy ? 1 : -1
        let quantity = Amount(fill.quantity)
        var made: [Posting] = []
        switch fill.market {
        case .spot:
            let notional = fill.notional
            let base = fill.baseAsset
            let quote = fill.quoteAsset
            post(&made, transaction, key, Ledger.assets(.spot, base), base, quantity.signed(sign), ns)
            post(&made, transaction, key, "equity:trading:\(fill.symbol)", base, quantity.signed(-sign), ns)
            post(&made, transaction, key, Ledger.assets(.spot, quote), quote, notional.signed(-sign), ns)
            post(&made, transaction, key, "equity:trading:\(fill.symbol)", quote, notional.signed(sign), ns)
        case .usdm:
            let symbol = fill.symbol
            post(&made, transaction, key, "positions:usdm:\(symbol)", symbol, quantity.signed(sign), ns)
            post(&made, transaction, key, "equity:trading:\(symbol)", symbol, quantity.signed(-sign), ns)
            let realized = applyCost(symbol: symbol, delta: quantity.signed(sign), price: Amount(fill.price))
            let quote = fill.quoteAsset
            post(&made, transaction, key, Ledger.assets(.usdm, quote), quote, realized, ns)
            post(&made, transaction, key, "income:trading:\(symbol)", quote, -realized, ns)
        }
        // The fee is a transaction of its own (same event key): a fee in the base asset would
        // otherwise give one transaction two legs on `assets:spot:BASE`, and a store keyed by
        // (transaction, account, asset) keeps one leg per account and asset.
        let feeTransaction = uniqueTransactionId(key + "#fee")
        post(&made, feeTransaction, key, "expenses:fees", fill.feeAsset, fill.fee, ns)
        post(&made, feeTransaction, key, Ledger.assets(fill.market, fill.feeAsset), fill.feeAsset, -fill.fee, ns)
        return made
    }

    /// Records a USD-M funding payment once (by `FundingPayment.key`): `assets:usdm:ASSET` +a /
    /// `income:funding` −a (a payment made is a negative a).
    ///
    /// - Returns: the postings made, empty for a duplicate or a zero payment.
    public mutating func record(_ funding: FundingPayment) -> [Posting] {
        let key = funding.key
        guard !recordedKeys.contains(key) else { return [] }
        recordedKeys.insert(key)
        let transaction = uniqueTransactionId(key)
        let (asset, amount, ns) = (funding.asset, funding.amount, funding.venueNs)
        var made: [Posting] = []
        post(&made, transaction, key, Ledger.assets(.usdm, asset), asset, amount, ns)
        post(&made, transaction, key, "income:funding", asset, -amount, ns)
        return made
    }

    /// Moves a USD-M symbol's average-cost state by a signed fill of `delta` at `price`; returns the
    /// PnL realized (zero when the fill only opens or increases the position).
    ///
    /// Increasing: the average becomes `(average × |size| + price × |delta|) / (|size| + |delta|)`,
    /// rounded half away from zero to 10⁻⁸ — the same figures `PositionMath` gives the account book.
    mutating func applyCost(symbol: String, delta: Amount, price: Amount) -> Amount {
        var basis = costBasis[symbol] ?? CostBasis()
        defer { costBasis[symbol] = basis.size == .zero ? nil : basis }
        let size = basis.size
        guard delta != .zero else { return .zero }
        if size == .zero || (size > .zero) == (delta > .zero) {
            let held = Int128(size.magnitude.e8)
            let added = Int128(delta.magnitude.e8)
            let weighted = Int128((basis.average ?? .zero).e8) * held + Int128(price.e8) * added
            basis.average = Amount(e8: Amount.narrow(Amount.divideRounded(weighted, by: held + added)))
            basis.size = size + delta
            return .zero
        }
        // A position without an average (a replay that lacked its opening fill) realizes nothing.
        let average = basis.average ?? price
        let closed = min(delta.magnitude, size.magnitude)
        let gain = (price - average).scaled(by: closed.e8, over: 100_000_000)
        let remaining = size + delta
        basis.size = remaining
        basis.average = remaining == .zero ? nil : (remaining > .zero) == (size > .zero) ? average : price
        return size > .zero ? gain : -gain
    }
}

extension Amount {
    /// `self` times a sign (+1 or −1).
    fileprivate func signed(_ sign: Int64) -> Amount { sign < 0 ? -self : self }
}

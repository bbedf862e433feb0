import EngineModel

// Recovery: a ledger rebuilt from the postings the recorder persisted, so that the balances, the
// recorded event keys, the opening alignments and the USD-M average costs are what they were.

extension Ledger {
    /// The ledger the postings describe, recovered after a restart.
    ///
    /// - The balances and the journal are the postings', in order (postings are not re-checked:
    ///   `trialBalance().balanced` says whether they balance).
    /// - Every fill and funding key posted is recorded: recording it again posts nothing.
    /// - An asset account an alignment posted to stays aligned: its next alignment is an adjustment.
    /// - The USD-M average costs cannot be read from the postings (a fill's price is posted only in
    ///   spot), so they are rebuilt by replaying `usdmFills` — the recorder's USD-M fills — in the
    ///   order their postings appear; fills whose key was not posted are ignored (record them after).
    ///   When a symbol's position then differs from `positions:usdm:<SYMBOL>` (a posted fill missing
    ///   from `usdmFills`), the posted size wins and the average is kept only if it is on the same
    ///   side; a position without an average realizes nothing when reduced.
    ///
    /// - Parameters:
    ///   - postings: every posting a ledger made, in order.
    ///   - usdmFills: the USD-M fills recorded (any order; other fills are ignored).
    public init(replaying postings: [Posting], usdmFills: [Fill] = []) {
        self.init()
        let alignments = Set(
            postings.lazy.filter { $0.account == "equity:opening" || $0.account == "equity:adjustments" }
                .map(\.transactionId))
        var fills: [String: Fill] = [:]
        for fill in usdmFills where fill.market == .usdm { fills[fill.key] = fill }
        for posting in postings {
            apply(posting)
            if alignments.contains(posting.transactionId) {
                if posting.account.hasPrefix("assets:") {
                    alignedSlots.insert(Slot(account: posting.account, asset: posting.asset))
                }
                continue
            }
            recordedKeys.insert(posting.eventKey)
            if posting.account.hasPrefix("positions:usdm:"), let fill = fills.removeValue(forKey: posting.eventKey) {
                let quantity = Amount(fill.quantity)
                _ = applyCost(
                    symbol: fill.symbol, delta: fill.side == .buy ? quantity : -quantity, price: Amount(fill.price))
            }
        }
        settleReplayedPositions()
    }

    /// Makes each USD-M symbol's average-cost size equal its posted position.
    mutating func settleReplayedPositions() {
        let prefix = "positions:usdm:"
        var symbols = Set(costBasis.keys)
        for slot in totals.keys where slot.account.hasPrefix(prefix) {
            symbols.insert(String(slot.account.dropFirst(prefix.count)))
        }
        for symbol in symbols {
            let posted = balance(account: prefix + symbol, asset: symbol)
            var basis = costBasis[symbol] ?? CostBasis()
            guard basis.size != posted else { continue }
            let sameSide = basis.size != .zero && (basis.size > .zero) == (posted > .zero)
            basis.average = sameSide ? basis.average : nil
            basis.size = posted
            costBasis[symbol] = posted == .zero ? nil : basis
        }
    }
}

import EngineModel

// Balances and USD-M positions: what the account holds, compared figure by figure with the venue's,
// each difference corrected to the venue's figure.

extension Reconciler {
    /// What comparing one kind of holding found.
    struct Outcome {
        var checked = 0
        var discrepancies: [Discrepancy] = []
        var corrections: [AccountEvent] = []
    }

    /// Each asset's total, over the union of the engine's and the venue's assets, sorted by asset.
    static func compareBalances(local: AccountSnapshot, venue: VenueAccountState) -> Outcome {
        var latest: [String: BalanceUpdate] = [:]
        for balance in venue.balances { latest[balance.asset] = balance }
        let assets = Set(local.balances.keys).union(latest.keys).sorted()
        var outcome = Outcome(checked: assets.count)
        for asset in assets {
            let mine = local.balances[asset]?.total ?? .zero
            let update =
                latest[asset]
                ?? BalanceUpdate(asset: asset, free: .zero, locked: .zero, source: .reconciliation, venueNs: 0)
            let theirs = update.free + update.locked
            guard mine != theirs else { continue }
            let listed = latest[asset] == nil ? " (not listed by the venue: set to zero)" : ""
            outcome.discrepancies.append(
                Discrepancy(
                    kind: "balance", symbol: asset, localSize: mine, exchangeSize: theirs,
                    differenceBps: differenceBps(local: mine, venue: theirs),
                    detail: "\(asset) total: engine \(mine), venue \(theirs) (free \(update.free), locked "
                        + "\(update.locked))\(listed); corrected to the venue's"))
            var correction = update
            correction.source = .reconciliation
            correction.venueNs = venue.fetchedNs
            outcome.corrections.append(.balance(correction))
        }
        return outcome
    }

    /// Each USD-M symbol's size: the engine's summed over strategies plus the missing fills, against
    /// the venue's; sorted by symbol.
    static func comparePositions(local: AccountSnapshot, venue: VenueAccountState, missing: [Fill]) -> Outcome {
        var mine: [String: Amount] = [:]
        var exponents: [String: Int8] = [:]
        for entry in local.positions.values where entry.market == .usdm {
            let symbol = entry.key.symbol
            mine[symbol, default: .zero] += Amount(mantissa: entry.size.mantissa, exponent: entry.size.exponent)
            exponents[symbol] = entry.size.exponent
        }
        var pending: [String: Int] = [:]
        for fill in missing where fill.market == .usdm {
            let quantity = Amount(fill.quantity)
            mine[fill.symbol, default: .zero] += fill.side == .buy ? quantity : -quantity
            exponents[fill.symbol] = exponents[fill.symbol] ?? fill.quantity.exponent
            pending[fill.symbol, default: 0] += 1
        }
        let theirs = venue.positionsBySymbol
        let symbols = Set(mine.keys).union(theirs.keys).sorted()
        var outcome = Outcome(checked: symbols.count)
        for symbol in symbols {
            let localSize = mine[symbol] ?? .zero
            let update = theirs[symbol] ?? flat(symbol, exponent: exponents[symbol] ?? -8, ns: venue.fetchedNs)
            let venueSize = Amount(mantissa: update.size.mantissa, exponent: update.size.exponent)
            guard localSize != venueSize else { continue }
            let fills = pending[symbol].map { " including \($0) missing fill(s)" } ?? ""
            let listed = theirs[symbol] == nil ? " (not listed by the venue: flat)" : ""
            outcome.discrepancies.append(
                Discrepancy(
                    kind: "position", symbol: symbol, localSize: localSize, exchangeSize: venueSize,
                    differenceBps: differenceBps(local: localSize, venue: venueSize),
                    detail: "\(symbol) position: engine \(localSize)\(fills), venue \(venueSize)\(listed); "
                        + "corrected to the venue's"))
            outcome.corrections.append(.position(update))
        }
        return outcome
    }

    /// A flat position of `symbol`: what the venue's silence about it means.
    static func flat(_ symbol: String, exponent: Int8, ns: Int64) -> PositionUpdate {
        PositionUpdate(
            symbol: symbol, size: SignedSize(mantissa: 0, exponent: exponent),
            entryPrice: Price(mantissa: 0, exponent: Amount.exponent), venueNs: ns)
    }
}

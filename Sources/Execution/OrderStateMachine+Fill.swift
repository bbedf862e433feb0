import EngineModel

extension OrderStateMachine {
    /// Applies one trade: duplicate guard by trade id, overfill guard, exact sums of quantity,
    /// quote and fee, then the state the filled quantity implies.
    ///
    /// Legal in every state that reached the venue (terminal ones included: a cancel answer can
    /// overtake the trade's report, and a fill is never lost). A NEW or REJECTED order never
    /// traded: the fill is ignored and reported. Nothing is changed unless every value is usable.
    mutating func fill(_ report: FillReport) -> OrderAction {
        let from = record.state
        if from == .new || from == .rejected { return illegal(.fill) }
        if record.tradeIds.contains(report.tradeId) { return .duplicateFill(tradeId: report.tradeId) }
        guard let applied = normalizedFill(report) else { return .ignored(.invalidValues(event: .fill)) }
        let (filled, overflow) = record.filledQuantity.mantissa.addingReportingOverflow(applied.quantity.mantissa)
        let newFilled = Quantity(mantissa: overflow ? .max : filled, exponent: record.quantity.exponent)
        guard !overflow, newFilled <= record.quantity else {
            return .ignored(.overfill(tradeId: report.tradeId, reported: newFilled, ordered: record.quantity))
        }
        if let cumulative = applied.cumulativeQuantity, cumulative > record.quantity {
            return .ignored(.overfill(tradeId: report.tradeId, reported: cumulative, ordered: record.quantity))
        }
        guard let quote = nextCumulativeQuote(applied), let fees = nextFees(applied) else {
            return .ignored(.invalidValues(event: .fill))
        }

        record.tradeIds.insert(applied.tradeId)
        record.filledQuantity = newFilled
        record.cumulativeQuote = quote
        record.fees = fees
        record.times.lastFillNs = applied.ns
        if let cumulative = applied.cumulativeQuantity, cumulative > record.venueFilledQuantity {
            record.venueFilledQuantity = cumulative
        }
        record.state = stateAfterFill(from: from, isLast: applied.isLast)
        return .publishFill(applied, update(from: from))
    }

    /// The report with price and quantities at the order's exponents, or nil when a value is not
    /// positive or cannot be moved there exactly.
    private func normalizedFill(_ report: FillReport) -> FillReport? {
        guard report.quantity.mantissa > 0, report.price.mantissa > 0,
            let price = FixedPointMath.aligned(report.price, to: record.priceExponent),
            let quantity = normalized(report.quantity)
        else { return nil }
        var applied = report
        applied.price = price
        applied.quantity = quantity
        if let cumulative = report.cumulativeQuantity {
            guard let aligned = normalized(cumulative) else { return nil }
            applied.cumulativeQuantity = aligned
        }
        return applied
    }

    /// cumulativeQuote + price × quantity, or nil on overflow.
    private func nextCumulativeQuote(_ fill: FillReport) -> Price? {
        guard let notional = try? fill.price.notional(fill.quantity),
            notional.exponent == record.cumulativeQuote.exponent
        else { return nil }
        return FixedPointMath.sum(record.cumulativeQuote, notional)
    }

    /// The fee table with this fill's fee added, or nil on overflow. No asset or a zero fee
    /// leaves it as is.
    private func nextFees(_ fill: FillReport) -> [String: Price]? {
        var fees = record.fees
        guard !fill.feeAsset.isEmpty, fill.fee.mantissa != 0 else { return fees }
        if let existing = fees[fill.feeAsset] {
            guard let total = FixedPointMath.sum(existing, fill.fee) else { return nil }
            fees[fill.feeAsset] = total
        } else {
            fees[fill.feeAsset] = fill.fee
        }
        return fees
    }

    /// Where a fill leaves the order. Complete (the known filled quantity reaches the order's,
    /// or the venue says this trade completed it) means FILLED from any state; otherwise a
    /// working order is PARTIALLY_FILLED, CANCEL_PENDING stays (and will return to
    /// PARTIALLY_FILLED if the cancel is refused), and CANCELED/EXPIRED stay as they are.
    private mutating func stateAfterFill(from: OrderState, isLast: Bool) -> OrderState {
        let complete = isLast || record.knownFilledQuantity >= record.quantity
        if complete {
            stateBeforeCancel = nil
            return .filled
        }
        switch from {
        case .pendingSubmit, .submitted, .partiallyFilled, .unknown:
            return .partiallyFilled
        case .cancelPending:
            stateBeforeCancel = .partiallyFilled
            return .cancelPending
        case .filled, .canceled, .expired, .new, .rejected:
            return from
        }
    }
}

import EngineModel

extension PreTradeValidator {
    // MARK: - Rules 5–8

    /// Rule 5: price × quantity ≥ minNotional; a market order is valued at the mid.
    func checkNotional(price: Price?, quantity: Quantity, mid: Price?, _ instrument: Instrument)
        throws(OrderRejection)
    {
        guard let valuation = price ?? mid else {
            throw OrderRejection(.noMarket, "\(instrument.symbol) market order needs a live mid to be valued")
        }
        guard let notional = try? valuation.notional(quantity) else {
            throw OrderRejection(.malformed, "\(instrument.symbol) notional \(valuation) x \(quantity) overflows")
        }
        guard notional >= instrument.minNotional else {
            throw OrderRejection(
                .notional,
                "\(instrument.symbol) notional \(notional) is below the minimum notional \(instrument.minNotional)")
        }
    }

    /// Rule 6: |price − mid| ≤ mid × band, exactly (compared in full-width integers).
    func checkPriceBand(_ price: Price?, mid: Price?, _ limits: InstrumentLimits, symbol: String)
        throws(OrderRejection)
    {
        guard let price else { return }  // Market orders have no price to band.
        guard let mid, mid.mantissa > 0 else {
            if limits.requireMid {
                throw OrderRejection(.noMarket, "\(symbol) has no live mid to check the price \(price) against")
            }
            return
        }
        let exponent = min(price.exponent, mid.exponent)
        let bps = Int64(limits.priceBandBps)
        guard let p = FixedPointMath.aligned(price, to: exponent)?.mantissa,
            let m = FixedPointMath.aligned(mid, to: exponent)?.mantissa
        else {
            throw OrderRejection(.priceBand, "\(symbol) price \(price) cannot be compared with the mid \(mid)")
        }
        // |p − m| × 10000 ≤ m × bps  ⇔  p × 10000 within m × (10000 ± bps).
        let scaled = Self.wide(p, 10_000)
        let upper = Self.wide(m, 10_000 + bps)
        let lower = Self.wide(m, max(0, 10_000 - bps))
        guard scaled <= upper && scaled >= lower else {
            throw OrderRejection(
                .priceBand,
                "\(symbol) price \(price) is more than \(Self.percent(limits.priceBandBps)) from the mid \(mid)")
        }
    }

    /// Rule 7: the position after this order and every open order on its side stays within
    /// ±maxPosition, unless it ends nearer to flat than the position is now.
    func checkPosition(
        _ side: Side, _ quantity: Quantity, context: ValidationContext, _ limits: InstrumentLimits, symbol: String
    ) throws(OrderRejection) {
        guard let maxPosition = limits.maxPosition else { return }
        let exponent = quantity.exponent
        let open = FixedPointMath.aligned(context.openExposure.on(side), to: exponent)?.mantissa ?? .max
        let (adding, o1) = open.addingReportingOverflow(quantity.mantissa)
        let signed = side == .buy ? adding : -adding
        let (projected, o2) = context.position.addingReportingOverflow(signed)
        let magnitude = Quantity(mantissa: Int64(clamping: projected.magnitude), exponent: exponent)
        // An order that brings the position closer to flat is always allowed, even over the limit.
        let reduces = !o1 && !o2 && projected.magnitude < context.position.magnitude
        guard !o1, !o2, magnitude <= maxPosition || reduces else {
            let position = Price(mantissa: context.position, exponent: exponent)
            throw OrderRejection(
                .position,
                "\(symbol) \(side) \(quantity) with position \(position) and open \(side) orders "
                    + "\(context.openExposure.on(side)) would exceed the position limit \(maxPosition)")
        }
    }

    /// Rule 8: enough free quote for a buy (market: valued at the band's top), free base for a sell.
    func checkBalance(
        _ side: Side, price: Price?, quantity: Quantity, context: ValidationContext, _ limits: InstrumentLimits
    ) throws(OrderRejection) {
        switch side {
        case .sell:
            guard let base = context.availableBase else { return }
            guard quantity <= base else {
                throw OrderRejection(.balance, "selling \(quantity) needs more than the available \(base)")
            }
        case .buy:
            guard let quote = context.availableQuote else { return }
            var valuation = price
            if valuation == nil, let mid = context.mid {
                let top = FixedPointMath.scaleUp(mid.mantissa, by: 10_000 + Int64(limits.priceBandBps), over: 10_000)
                valuation = top.map { Price(mantissa: $0, exponent: mid.exponent) }
            }
            guard let valuation, let needed = try? valuation.notional(quantity) else {
                throw OrderRejection(.balance, "buying \(quantity) cannot be valued against the available \(quote)")
            }
            guard needed <= quote else {
                throw OrderRejection(.balance, "buying \(quantity) needs \(needed), available \(quote)")
            }
        }
    }

    /// a × b as a comparable full-width value (both ≥ 0 here).
    static func wide(_ a: Int64, _ b: Int64) -> WideProduct {
        let (high, low) = a.multipliedFullWidth(by: b)
        return WideProduct(high: high, low: low)
    }

    /// "10%", "2.5%" from basis points.
    static func percent(_ bps: Int) -> String {
        let whole = bps / 100
        let rest = bps % 100
        if rest == 0 { return "\(whole)%" }
        return rest % 10 == 0 ? "\(whole).\(rest / 10)%" : "\(whole).\(rest < 10 ? "0" : "")\(rest)%"
    }
}

/// A 128-bit product as (high, low) words, ordered as the integer it stands for.
struct WideProduct: Comparable {
    /// The signed high word.
    var high: Int64
    /// The unsigned low word.
    var low: UInt64

    /// Numeric order: high words first, then low words.
    static func < (a: WideProduct, b: WideProduct) -> Bool {
        (a.high, a.low) < (b.high, b.low)
    }
}

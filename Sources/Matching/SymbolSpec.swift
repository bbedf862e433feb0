import EngineModel

/// Everything the venue knows about one listed symbol: the instrument (exponents, tick, step,
/// minimum notional), its two assets, and the rest of Binance's PRICE_FILTER, LOT_SIZE and
/// NOTIONAL filters.
///
/// All limits are stored at the instrument's exponents. A zero `minPrice`, `maxPrice` or
/// `maxQuantity` disables that rule, as in Binance's `exchangeInfo`.
public struct SymbolSpec: Hashable, Sendable {
    /// Symbol, exponents, tick size, step size and minimum notional.
    public let instrument: Instrument

    /// The asset bought and sold ("BTC" in BTCUSDT).
    public let baseAsset: String

    /// The asset prices are quoted in ("USDT" in BTCUSDT).
    public let quoteAsset: String

    /// PRICE_FILTER `minPrice` at the price exponent; zero disables it.
    public let minPrice: Price

    /// PRICE_FILTER `maxPrice` at the price exponent; zero disables it.
    public let maxPrice: Price

    /// LOT_SIZE `minQty` at the quantity exponent.
    public let minQuantity: Quantity

    /// LOT_SIZE `maxQty` at the quantity exponent; zero disables it.
    public let maxQuantity: Quantity

    /// NOTIONAL `maxNotional` at the price exponent; nil for no maximum.
    public let maxNotional: Price?

    /// NOTIONAL `applyMinToMarket`: whether MARKET orders must meet the minimum notional too
    /// (valued at the last trade price, when there is one).
    public let applyMinNotionalToMarket: Bool

    /// NOTIONAL `applyMaxToMarket`.
    public let applyMaxNotionalToMarket: Bool

    /// A symbol's full rule set. Limits left nil default to Binance-like values: `minPrice` =
    /// tick, `maxPrice` = 0 (none), `minQuantity` = step, `maxQuantity` = 0 (none).
    ///
    /// - Precondition: every limit is exact at the instrument's exponents and not negative.
    public init(
        instrument: Instrument, baseAsset: String, quoteAsset: String,
        minPrice: Price? = nil, maxPrice: Price? = nil,
        minQuantity: Quantity? = nil, maxQuantity: Quantity? = nil,
        maxNotional: Price? = nil, applyMinNotionalToMarket: Bool = true, applyMaxNotionalToMarket: Bool = false
    ) {
        let pe = instrument.priceExponent
        let qe = instrument.quantityExponent
        self.instrument = instrument
        self.baseAsset = baseAsset
        self.quoteAsset = quoteAsset
        self.minPrice = Self.exact(minPrice ?? instrument.tickSize, at: pe, "minPrice")
        self.maxPrice = Self.exact(maxPrice ?? Price(mantissa: 0, exponent: pe), at: pe, "maxPrice")
        self.minQuantity = Self.exact(minQuantity ?? instrument.stepSize, at: qe, "minQuantity")
        self.maxQuantity = Self.exact(maxQuantity ?? Quantity(mantissa: 0, exponent: qe), at: qe, "maxQuantity")
        self.maxNotional = maxNotional.map { Self.exact($0, at: pe, "maxNotional") }
        self.applyMinNotionalToMarket = applyMinNotionalToMarket
        self.applyMaxNotionalToMarket = applyMaxNotionalToMarket
    }

    /// The venue's symbol ("BTCUSDT").
    public var symbol: String { instrument.symbol }

    /// The exponent of every price mantissa of this symbol.
    public var priceExponent: Int8 { instrument.priceExponent }

    /// The exponent of every quantity mantissa of this symbol.
    public var quantityExponent: Int8 { instrument.quantityExponent }

    /// A price mantissa of this symbol as a `Price`.
    func price(_ mantissa: Int64) -> Price { Price(mantissa: mantissa, exponent: priceExponent) }

    /// A quantity mantissa of this symbol as a `Quantity`.
    func quantity(_ mantissa: Int64) -> Quantity { Quantity(mantissa: mantissa, exponent: quantityExponent) }

    /// `value` at `exponent`, trapping when it is not exact or negative (a configuration bug).
    private static func exact(_ value: Price, at exponent: Int8, _ name: String) -> Price {
        guard let rescaled = try? value.rescaled(to: exponent), rescaled.mantissa >= 0 else {
            preconditionFailure("\(name) \(value) is not a non-negative value exact at exponent \(exponent)")
        }
        return rescaled
    }

    /// `value` at `exponent`, trapping when it is not exact (a configuration bug).
    private static func exact(_ value: Quantity, at exponent: Int8, _ name: String) -> Quantity {
        guard let rescaled = try? value.rescaled(to: exponent) else {
            preconditionFailure("\(name) \(value) is not exact at exponent \(exponent)")
        }
        return rescaled
    }
}

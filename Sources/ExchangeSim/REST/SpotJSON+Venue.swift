import EngineModel
import Matching

extension SpotJSON {
    /// The rate limits `exchangeInfo` announces.
    static func rateLimits(weightLimit: Int, ordersPer10s: Int, ordersPerDay: Int) -> JSONValue {
        func limit(_ type: String, _ interval: String, _ number: Int, _ value: Int) -> JSONValue {
            .object([
                ("rateLimitType", .string(type)), ("interval", .string(interval)), ("intervalNum", .int(number)),
                ("limit", .int(value)),
            ])
        }
        return .array([
            limit("REQUEST_WEIGHT", "MINUTE", 1, weightLimit), limit("ORDERS", "SECOND", 10, ordersPer10s),
            limit("ORDERS", "DAY", 1, ordersPerDay), limit("RAW_REQUESTS", "MINUTE", 5, 61_000),
        ])
    }

    /// One `exchangeInfo` symbol with its PRICE_FILTER, LOT_SIZE and NOTIONAL filters.
    static func symbolInfo(_ spec: SymbolSpec) -> JSONValue {
        let orderTypes: JSONValue = .array([.string("LIMIT"), .string("LIMIT_MAKER"), .string("MARKET")])
        let filters: [JSONValue] = [
            .object([
                ("filterType", .string("PRICE_FILTER")), ("minPrice", decimal(spec.minPrice)),
                ("maxPrice", decimal(spec.maxPrice)), ("tickSize", decimal(spec.instrument.tickSize)),
            ]),
            .object([
                ("filterType", .string("LOT_SIZE")), ("minQty", decimal(spec.minQuantity)),
                ("maxQty", decimal(spec.maxQuantity)), ("stepSize", decimal(spec.instrument.stepSize)),
            ]),
            .object([
                ("filterType", .string("NOTIONAL")), ("minNotional", decimal(spec.instrument.minNotional)),
                ("applyMinToMarket", .bool(spec.applyMinNotionalToMarket)),
                ("maxNotional", spec.maxNotional.map(decimal) ?? .string("9000000000.00000000")),
                ("applyMaxToMarket", .bool(spec.applyMaxNotionalToMarket)), ("avgPriceMins", .int(5)),
            ]),
        ]
        return .object([
            ("symbol", .string(spec.symbol)), ("status", .string("TRADING")), ("baseAsset", .string(spec.baseAsset)),
            ("baseAssetPrecision", .int(8)), ("quoteAsset", .string(spec.quoteAsset)), ("quotePrecision", .int(8)),
            ("quoteAssetPrecision", .int(8)), ("baseCommissionPrecision", .int(8)),
            ("quoteCommissionPrecision", .int(8)), ("orderTypes", orderTypes), ("icebergAllowed", .bool(false)),
            ("ocoAllowed", .bool(false)), ("otoAllowed", .bool(false)), ("quoteOrderQtyMarketAllowed", .bool(true)),
            ("allowTrailingStop", .bool(false)), ("cancelReplaceAllowed", .bool(false)),
            ("amendAllowed", .bool(false)), ("pegInstructionsAllowed", .bool(false)),
            ("isSpotTradingAllowed", .bool(true)), ("isMarginTradingAllowed", .bool(false)),
            ("filters", .array(filters)), ("permissions", .array([])),
            ("permissionSets", .array([.array([.string("SPOT")])])),
            ("defaultSelfTradePreventionMode", .string("NONE")),
            ("allowedSelfTradePreventionModes", .array([.string("NONE")])),
        ])
    }

    /// `GET /api/v3/account`.
    static func account(
        _ balances: [VenueBalance], commissions: CommissionSchedule, omitZero: Bool, now: Int64, uid: Int64
    ) -> JSONValue {
        let shown = omitZero ? balances.filter { !$0.free.isZero || !$0.locked.isZero } : balances
        let zero: JSONValue = .string("0.00000000")
        return .object([
            ("makerCommission", .int(basisPoints(commissions.maker))),
            ("takerCommission", .int(basisPoints(commissions.taker))), ("buyerCommission", .int(0)),
            ("sellerCommission", .int(0)),
            ("commissionRates", .object([
                ("maker", rate(commissions.maker)), ("taker", rate(commissions.taker)), ("buyer", zero),
                ("seller", zero),
            ])),
            ("canTrade", .bool(true)), ("canWithdraw", .bool(true)), ("canDeposit", .bool(true)),
            ("brokered", .bool(false)), ("requireSelfTradePrevention", .bool(false)), ("preventSor", .bool(false)),
            ("updateTime", .int(now)), ("accountType", .string("SPOT")),
            ("balances", .array(shown.map { balance in
                .object([
                    ("asset", .string(balance.asset)), ("free", decimal(balance.free)),
                    ("locked", decimal(balance.locked)),
                ])
            })),
            ("permissions", .array([.string("SPOT")])), ("uid", .int(uid)),
        ])
    }

    /// A commission rate in basis points (Binance's integer `makerCommission`: 10 = 0.1 %).
    static func basisPoints(_ rate: CommissionRate) -> Int64 {
        var mantissa = rate.mantissa
        var exponent = Int(rate.exponent) + 4
        while exponent > 0 { (mantissa, exponent) = (mantissa * 10, exponent - 1) }
        while exponent < 0 { (mantissa, exponent) = (mantissa / 10, exponent + 1) }
        return mantissa
    }

    /// A commission rate as a decimal string ("0.00100000").
    static func rate(_ rate: CommissionRate) -> JSONValue {
        decimal(Quantity(mantissa: rate.mantissa, exponent: rate.exponent))
    }
}

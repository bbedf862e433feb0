import EngineModel
import Matching

/// Binance's USD-M futures REST shapes. Prices and quantities are decimal strings at the
/// symbol's precision (depth) or without trailing zeros (filters), as the futures venue writes
/// them.
enum FuturesJSON {
    /// `GET /fapi/v1/depth`.
    static func depth(_ snapshot: DepthSnapshot, eventTime: Int64, transactTime: Int64) -> JSONValue {
        .object([
            ("lastUpdateId", .int(snapshot.lastUpdateId)), ("E", .int(eventTime)), ("T", .int(transactTime)),
            ("bids", FuturesStreamJSON.levels(snapshot.bids)), ("asks", FuturesStreamJSON.levels(snapshot.asks)),
        ])
    }

    /// `GET /fapi/v1/exchangeInfo`.
    static func exchangeInfo(_ specs: [SymbolSpec], weightLimit: Int, now: Int64) -> JSONValue {
        func limit(_ type: String, _ interval: String, _ number: Int, _ value: Int) -> JSONValue {
            .object([
                ("rateLimitType", .string(type)), ("interval", .string(interval)), ("intervalNum", .int(number)),
                ("limit", .int(value)),
            ])
        }
        var assets: [String] = []
        for spec in specs where !assets.contains(spec.quoteAsset) { assets.append(spec.quoteAsset) }
        return .object([
            ("timezone", .string("UTC")), ("serverTime", .int(now)), ("futuresType", .string("U_MARGINED")),
            ("rateLimits", .array([
                limit("REQUEST_WEIGHT", "MINUTE", 1, weightLimit), limit("ORDERS", "MINUTE", 1, 1200),
                limit("ORDERS", "SECOND", 10, 300),
            ])),
            ("exchangeFilters", .array([])),
            ("assets", .array(assets.map { asset in
                .object([
                    ("asset", .string(asset)), ("marginAvailable", .bool(true)),
                    ("autoAssetExchange", .string("-10000")),
                ])
            })),
            ("symbols", .array(specs.map(symbol))),
        ])
    }

    /// One perpetual contract with PRICE_FILTER, LOT_SIZE, MARKET_LOT_SIZE, MAX_NUM_ORDERS,
    /// MAX_NUM_ALGO_ORDERS, MIN_NOTIONAL and PERCENT_PRICE.
    static func symbol(_ spec: SymbolSpec) -> JSONValue {
        let maxQuantity = spec.maxQuantity.isZero ? "1000000" : plain(spec.maxQuantity)
        let lot: [(String, JSONValue)] = [
            ("maxQty", .string(maxQuantity)), ("minQty", .string(plain(spec.minQuantity))),
            ("stepSize", .string(plain(spec.instrument.stepSize))),
        ]
        let filters: [JSONValue] = [
            .object([
                ("filterType", .string("PRICE_FILTER")),
                ("maxPrice", .string(spec.maxPrice.isZero ? "1000000" : plain(spec.maxPrice))),
                ("minPrice", .string(plain(spec.minPrice))), ("tickSize", .string(plain(spec.instrument.tickSize))),
            ]),
            .object([("filterType", .string("LOT_SIZE"))] + lot),
            .object([("filterType", .string("MARKET_LOT_SIZE"))] + lot),
            .object([("filterType", .string("MAX_NUM_ORDERS")), ("limit", .int(200))]),
            .object([("filterType", .string("MAX_NUM_ALGO_ORDERS")), ("limit", .int(10))]),
            .object([
                ("filterType", .string("MIN_NOTIONAL")), ("notional", .string(plain(spec.instrument.minNotional))),
            ]),
            .object([
                ("filterType", .string("PERCENT_PRICE")), ("multiplierUp", .string("1.0500")),
                ("multiplierDown", .string("0.9500")), ("multiplierDecimal", .string("4")),
            ]),
        ]
        let orderTypes = ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET",
            "TRAILING_STOP_MARKET"]
        return .object([
            ("symbol", .string(spec.symbol)), ("pair", .string(spec.symbol)), ("contractType", .string("PERPETUAL")),
            ("deliveryDate", .int(4_133_404_800_000)), ("onboardDate", .int(1_569_398_400_000)),
            ("status", .string("TRADING")), ("maintMarginPercent", .string("2.5000")),
            ("requiredMarginPercent", .string("5.0000")), ("baseAsset", .string(spec.baseAsset)),
            ("quoteAsset", .string(spec.quoteAsset)), ("marginAsset", .string(spec.quoteAsset)),
            ("pricePrecision", .int(Int(-spec.priceExponent))), ("quantityPrecision", .int(Int(-spec.quantityExponent))),
            ("baseAssetPrecision", .int(8)), ("quotePrecision", .int(8)), ("underlyingType", .string("COIN")),
            ("underlyingSubType", .array([])), ("settlePlan", .int(0)), ("triggerProtect", .string("0.0500")),
            ("liquidationFee", .string("0.012500")), ("marketTakeBound", .string("0.05")),
            ("maxMoveOrderLimit", .int(10000)), ("filters", .array(filters)),
            ("orderTypes", .array(orderTypes.map { .string($0) })),
            ("timeInForce", .array(["GTC", "IOC", "FOK", "GTX", "GTD"].map { .string($0) })),
        ])
    }

    /// A decimal without trailing zeros ("0.10" → "0.1", "100.00" → "100").
    static func plain<Value: FixedPointDecimal>(_ value: Value) -> String {
        var text = value.description
        guard text.contains(".") else { return text }
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}

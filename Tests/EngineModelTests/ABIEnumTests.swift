import EngineModel
import Testing

/// The ABI enums' raw values are the constants of tickwire/abi.h; they must never move.
///
/// This target depends on EngineModel only, so the numbers are written out here as abi.h has
/// them (tw_side_t, tw_order_type_t, tw_tif_t, tw_feed_state_t).
@Suite("ABI enums")
struct ABIEnumTests {
    @Test("Side matches tw_side_t")
    func side() {
        #expect(Side.buy.rawValue == 1)  // TW_SIDE_BUY
        #expect(Side.sell.rawValue == 2)  // TW_SIDE_SELL
        #expect(Side(rawValue: 0) == nil)  // TW_SIDE_NONE: no side
        #expect(Side(rawValue: 3) == nil)
        #expect(Side.allCases.count == 2)
        #expect(MemoryLayout<Side.RawValue>.size == 1)  // uint8_t side, aggressor
        #expect(Side.buy.opposite == .sell)
        #expect(Side.sell.opposite == .buy)
    }

    @Test("OrderType matches tw_order_type_t")
    func orderType() {
        #expect(OrderType.limit.rawValue == 1)  // TW_ORDER_LIMIT
        #expect(OrderType.market.rawValue == 2)  // TW_ORDER_MARKET
        #expect(OrderType.limitMaker.rawValue == 3)  // TW_ORDER_LIMIT_MAKER
        #expect(OrderType(rawValue: 0) == nil)
        #expect(OrderType.allCases.count == 3)
        #expect(MemoryLayout<OrderType.RawValue>.size == 1)  // uint8_t order_type
    }

    @Test("TimeInForce matches tw_tif_t")
    func timeInForce() {
        #expect(TimeInForce.gtc.rawValue == 1)  // TW_TIF_GTC
        #expect(TimeInForce.ioc.rawValue == 2)  // TW_TIF_IOC
        #expect(TimeInForce.fok.rawValue == 3)  // TW_TIF_FOK
        #expect(TimeInForce(rawValue: 0) == nil)
        #expect(TimeInForce.allCases.count == 3)
        #expect(MemoryLayout<TimeInForce.RawValue>.size == 1)  // uint8_t tif
    }

    @Test("FeedState matches tw_feed_state_t")
    func feedState() {
        #expect(FeedState.idle.rawValue == 0)  // TW_FEED_IDLE
        #expect(FeedState.connecting.rawValue == 1)  // TW_FEED_CONNECTING
        #expect(FeedState.syncing.rawValue == 2)  // TW_FEED_SYNCING
        #expect(FeedState.live.rawValue == 3)  // TW_FEED_LIVE
        #expect(FeedState.stale.rawValue == 4)  // TW_FEED_STALE
        #expect(FeedState(rawValue: 5) == nil)
        #expect(FeedState.allCases.count == 5)
        #expect(MemoryLayout<FeedState.RawValue>.size == 4)  // uint32_t feed_state
        #expect(FeedState.live.isLive)
        #expect(!FeedState.stale.isLive)
    }

    /// Every case with its expected name.
    static let names: [(String, String)] = [
        (Side.buy.name, "buy"), (Side.sell.name, "sell"),
        (OrderType.limit.name, "limit"), (OrderType.market.name, "market"),
        (OrderType.limitMaker.name, "limit_maker"),
        (TimeInForce.gtc.name, "gtc"), (TimeInForce.ioc.name, "ioc"), (TimeInForce.fok.name, "fok"),
        (FeedState.idle.name, "idle"), (FeedState.connecting.name, "connecting"),
        (FeedState.syncing.name, "syncing"), (FeedState.live.name, "live"), (FeedState.stale.name, "stale"),
    ]

    @Test("names are the lower-case labels", arguments: names)
    func name(actual: String, expected: String) {
        #expect(actual == expected)
    }

    @Test("names parse back, case-insensitively; descriptions are the names")
    func namesRoundTrip() {
        for side in Side.allCases {
            #expect(Side(name: side.name) == side)
            #expect(Side(name: side.name.uppercased()) == side)
            #expect(side.description == side.name)
        }
        for type in OrderType.allCases {
            #expect(OrderType(name: type.name) == type)
            #expect(type.description == type.name)
        }
        for tif in TimeInForce.allCases {
            #expect(TimeInForce(name: tif.name.uppercased()) == tif)
            #expect(tif.description == tif.name)
        }
        for state in FeedState.allCases {
            #expect(FeedState(name: state.name) == state)
            #expect("\(state)" == state.name)
        }
        #expect(Side(name: "bid") == nil)
        #expect(OrderType(name: "LIMIT_MAKER") == .limitMaker)
        #expect(FeedState(name: "") == nil)
    }
}

import EngineModel
import Testing

@testable import ExchangeSim
@testable import Matching

@Suite("Stream fan-out")
struct StreamHubTests {
    private static func trade(_ id: Int64) -> VenueEvent {
        .trade(PublicTrade(
            symbol: "BTCUSDT", tradeId: id, price: Price(mantissa: 100_000, exponent: -2),
            quantity: Quantity(mantissa: 1, exponent: -5), buyerOrderId: 1, sellerOrderId: 2, time: 5,
            isBuyerMaker: true))
    }

    @Test("A connection whose queue overflows is dropped; the others keep their messages")
    func slowClientIsDropped() async throws {
        let hub = StreamHub(queueLimit: 3)
        let slow = hub.connect(combined: false, streams: [StreamName("btcusdt@trade")!])
        let idle = hub.connect(combined: true, streams: [StreamName("ethusdt@trade")!])
        for id in 1...4 { hub.publish([Self.trade(Int64(id))]) }
        #expect(hub.connectionCount == 1)
        var received: [String] = []
        for await text in slow.queue { received.append(text) }
        #expect(received.count == 3)
        #expect(received.first == #"{"e":"trade","E":5,"s":"BTCUSDT","t":1,"p":"1000.00000000","q":"0.00001000","T":5,"m":true,"M":true}"#)
        hub.disconnect(idle.id)
        #expect(hub.connectionCount == 0)
    }

    @Test("Depth windows merge level changes and carry the window's first and last ids")
    func depthWindows() async throws {
        let hub = StreamHub()
        let fast = hub.connect(combined: true, streams: [StreamName("btcusdt@depth@100ms")!])
        let slow = hub.connect(combined: false, streams: [StreamName("btcusdt@depth")!])
        func level(_ price: Int64, _ quantity: Int64) -> BookLevel {
            BookLevel(price: Price(mantissa: price, exponent: -2), quantity: Quantity(mantissa: quantity, exponent: -5))
        }
        hub.publish([.depth(DepthUpdate(symbol: "BTCUSDT", time: 1, firstUpdateId: 10, lastUpdateId: 11,
            bids: [level(100, 5)], asks: [level(200, 7)]))])
        hub.publish([.depth(DepthUpdate(symbol: "BTCUSDT", time: 2, firstUpdateId: 12, lastUpdateId: 13,
            bids: [level(101, 1), level(100, 0)], asks: []))])
        hub.flush(now: 50, tick: 1)
        hub.publish([.depth(DepthUpdate(symbol: "BTCUSDT", time: 3, firstUpdateId: 14, lastUpdateId: 14,
            bids: [], asks: [level(199, 2)]))])
        for tick in 2...10 { hub.flush(now: 60, tick: tick) }
        hub.disconnect(fast.id)
        hub.disconnect(slow.id)
        var fastTexts: [String] = []
        for await text in fast.queue { fastTexts.append(text) }
        var slowTexts: [String] = []
        for await text in slow.queue { slowTexts.append(text) }
        #expect(fastTexts == [
            #"{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":50,"s":"BTCUSDT","U":10,"u":13,"b":[["1.01000000","0.00001000"],["1.00000000","0.00000000"]],"a":[["2.00000000","0.00007000"]]}}"#,
            #"{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":60,"s":"BTCUSDT","U":14,"u":14,"b":[],"a":[["1.99000000","0.00002000"]]}}"#,
        ])
        #expect(slowTexts == [
            #"{"e":"depthUpdate","E":60,"s":"BTCUSDT","U":10,"u":14,"b":[["1.01000000","0.00001000"],["1.00000000","0.00000000"]],"a":[["1.99000000","0.00002000"],["2.00000000","0.00007000"]]}"#
        ])
    }
}

import EngineModel
import Testing

@testable import Recorder

@Suite("Tick codec")
struct TickCodecTests {
    @Test("random ticks round-trip")
    func randomRoundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let count = Int.random(in: 0...600, using: &generator)
            var ticks: [TickRecord] = []
            for _ in 0..<count {
                let ns = Int64.random(in: Int64.min...Int64.max, using: &generator)
                let price = Price(mantissa: .random(in: Int64.min...Int64.max), exponent: .random(in: -18...18))
                let quantity = Quantity(mantissa: .random(in: 0...Int64.max), exponent: .random(in: -18...18))
                if Bool.random() {
                    ticks.append(
                        .trade(
                            symbol: "X", ns: ns, price: price, quantity: quantity,
                            side: [nil, .buy, .sell].randomElement()!))
                } else {
                    let ask = Price(mantissa: .random(in: Int64.min...Int64.max), exponent: .random(in: -18...18))
                    let askQuantity = Quantity(mantissa: .random(in: 0...Int64.max), exponent: .random(in: -18...18))
                    ticks.append(
                        .bbo(
                            symbol: "X", ns: ns, bidPrice: price, bidQuantity: quantity, askPrice: ask,
                            askQuantity: askQuantity))
                }
            }
            let decoded = try TickCodec.decode(TickCodec.encode(ticks), symbol: "X")
            #expect(decoded == ticks)
            #expect(zip(decoded, ticks).allSatisfy { $0.price.exponent == $1.price.exponent })
        }
    }

    @Test("edge cases: negative deltas, extreme jumps, mixed exponents, empty")
    func edgeCases() throws {
        let ticks: [TickRecord] = [
            trade(5 * second, 6_400_000, 100),
            trade(4 * second, 6_399_999, 0),  // time and price go back
            trade(Int64.max, Int64.max, Int64.max),
            trade(Int64.min, Int64.min, 0),  // jumps across the whole range
            trade(0, -1, 1),
            .trade(
                symbol: "BTCUSDT", ns: 1, price: Price(mantissa: 5, exponent: 3),
                quantity: Quantity(mantissa: 1, exponent: -18), side: nil),
            .bbo(
                symbol: "BTCUSDT", ns: 2, bidPrice: Price(mantissa: 100, exponent: -2),
                bidQuantity: Quantity(mantissa: 7, exponent: -5),
                askPrice: Price(mantissa: 1, exponent: 0), askQuantity: Quantity(mantissa: 9, exponent: -4)),
        ]
        #expect(try TickCodec.decode(TickCodec.encode(ticks), symbol: "BTCUSDT") == ticks)
        #expect(try TickCodec.decode(TickCodec.encode([]), symbol: "BTCUSDT") == [])
    }

    @Test("a damaged block throws instead of trapping")
    func damagedBlock() throws {
        let bytes = TickCodec.encode([trade(second, 100, 1), trade(2 * second, 101, 2)])
        #expect(throws: RecorderError.self) { try TickCodec.decode(Array(bytes.dropLast()), symbol: "X") }
        #expect(throws: RecorderError.self) { try TickCodec.decode([9, 0xFE, 0xFB], symbol: "X") }
        #expect(throws: RecorderError.self) { try TickCodec.decode([TickCodec.version, 0x40, 0xFB], symbol: "X") }
        var badFlags = bytes
        badFlags[3] = 0x03
        #expect(throws: RecorderError.self) { try TickCodec.decode(badFlags, symbol: "X") }
    }

    @Test("compression ratio of a realistic stream against raw 8-byte fields")
    func compressionRatio() throws {
        var ticks: [TickRecord] = []
        var ns: Int64 = 1_733_300_000 * second
        var price: Int64 = 9_650_012
        var bid: Int64 = 9_650_010
        for index in 0..<100_000 {
            ns += Int64.random(in: 20_000...3_000_000)
            if index % 3 == 0 {
                bid += Int64.random(in: -3...3)
                ticks.append(
                    .bbo(
                        symbol: "BTCUSDT", ns: ns, bidPrice: Price(mantissa: bid, exponent: -2),
                        bidQuantity: Quantity(mantissa: .random(in: 1...500_000), exponent: -5),
                        askPrice: Price(mantissa: bid + .random(in: 1...3), exponent: -2),
                        askQuantity: Quantity(mantissa: .random(in: 1...500_000), exponent: -5)))
            } else {
                price += Int64.random(in: -5...5)
                ticks.append(trade(ns, price, .random(in: 1...20_000)))
            }
        }
        let raw = ticks.reduce(0) { $0 + ($1.kind == .trade ? 24 : 40) }
        var encoded = 0
        var start = 0
        while start < ticks.count {
            let block = Array(ticks[start..<min(start + SQLiteRecorder.ticksPerBlock, ticks.count)])
            let bytes = TickCodec.encode(block)
            #expect(try TickCodec.decode(bytes, symbol: "BTCUSDT") == block)
            encoded += bytes.count
            start += SQLiteRecorder.ticksPerBlock
        }
        let ratio = Double(raw) / Double(encoded)
        let perTick = Double(encoded) / Double(ticks.count)
        print(
            "tick codec: \(ticks.count) ticks, raw \(raw) B (8-byte ns/price/qty), encoded \(encoded) B, "
                + "ratio \(String(format: "%.2f", ratio))x, \(String(format: "%.2f", perTick)) B/tick")
        #expect(ratio > 2)
    }
}

import EngineModel
import Testing

@testable import Recorder

@Suite("Recorder market data")
struct MarketDataTests {
    @Test("ticks are stored in compressed blocks and read back, filtered by time")
    func ticksStored() throws {
        try withStore { store, _ in
            let ticks = (0..<1_300).map { trade(Int64($0) * 1_000_000, 6_400_000 + Int64($0 % 7), 10) }
            let quotes = (0..<10).map {
                TickRecord.bbo(
                    symbol: "ETHUSDT", ns: Int64($0), bidPrice: Price(mantissa: 300_000, exponent: -2),
                    bidQuantity: Quantity(mantissa: 1, exponent: -4), askPrice: Price(mantissa: 300_001, exponent: -2),
                    askQuantity: Quantity(mantissa: 2, exponent: -4))
            }
            // Batches of varying size, so blocks grow across batches and roll over at 512.
            var index = 0
            for size in [1, 100, 700, 499] {
                try store.write(RecorderBatch(items: ticks[index..<(index + size)].map { .tick($0) }))
                index += size
            }
            try store.write(RecorderBatch(items: quotes.map { .tick($0) }))
            #expect(try store.ticks(symbol: "BTCUSDT", since: nil) == ticks)
            #expect(try store.ticks(symbol: "BTCUSDT", since: 1_000 * 1_000_000) == Array(ticks[1_000...]))
            #expect(try store.ticks(symbol: "ETHUSDT", since: nil) == quotes)
            let blocks = try store.pool.read { db in
                try Int.fetchAll(db, sql: "SELECT count FROM md_ticks WHERE symbol = 'BTCUSDT' ORDER BY id")
            }
            #expect(blocks == [512, 512, 276])
        }
    }

    @Test("trades crossing a second and a minute boundary give the right OHLCV")
    func barsAcrossBoundaries() throws {
        try withStore { store, _ in
            let base = 1_733_300_017 * second
            let minute = Bar.openNs(for: base, intervalSeconds: 60)
            let t0 = minute + 59 * second
            let trades = [
                trade(t0 + 100, 1_000, 5), trade(t0 + 200, 1_010, 1), trade(t0 + 300, 990, 2),
                trade(t0 + second, 1_020, 3),  // next second, next minute
                trade(t0 + second + 5, 1_015, 4),
            ]
            try store.write(RecorderBatch(items: trades.map { .tick($0) }))
            let seconds = try store.bars(symbol: "BTCUSDT", intervalSeconds: 1, since: nil, limit: 10)
            #expect(
                seconds == [
                    bar(1, t0, 1_000, 1_010, 990, 990, 8, 3), bar(1, t0 + second, 1_020, 1_020, 1_015, 1_015, 7, 2),
                ])
            let minutes = try store.bars(symbol: "BTCUSDT", intervalSeconds: 60, since: nil, limit: 10)
            #expect(
                minutes == [
                    bar(60, minute, 1_000, 1_010, 990, 990, 8, 3),
                    bar(60, minute + 60 * second, 1_020, 1_020, 1_015, 1_015, 7, 2),
                ])
            #expect(try store.bars(symbol: "BTCUSDT", intervalSeconds: 1, since: t0 + 1, limit: 10).count == 1)
            #expect(try store.bars(symbol: "BTCUSDT", intervalSeconds: 1, since: nil, limit: 1) == [seconds[1]])
            print(RecorderCSV.bars(seconds))
        }
    }

    @Test("a bar split across two batches, a late trade and a reopened store come out right")
    func barAcrossBatches() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("bars.sqlite").path
            let t0 = 1_733_300_040 * second
            do {
                let store = try SQLiteRecorder(path: path)
                try store.write(RecorderBatch(items: [.tick(trade(t0 + 10, 500, 1)), .tick(trade(t0 + 20, 520, 1))]))
                try store.write(RecorderBatch(items: [.tick(trade(t0 + 30, 480, 2)), .tick(trade(t0 + 5, 505, 1))]))
                #expect(
                    try store.bars(symbol: "BTCUSDT", intervalSeconds: 1, since: t0, limit: 5) == [
                        bar(1, t0, 505, 520, 480, 480, 5, 4)
                    ])
            }
            // After a restart, the stored bar is loaded and grown, not overwritten.
            let reopened = try SQLiteRecorder(path: path)
            try reopened.write(RecorderBatch(items: [.tick(trade(t0 + 40, 530, 3))]))
            #expect(
                try reopened.bars(symbol: "BTCUSDT", intervalSeconds: 1, since: t0, limit: 5) == [
                    bar(1, t0, 505, 530, 480, 530, 8, 5)
                ])
            #expect(
                try reopened.bars(symbol: "BTCUSDT", intervalSeconds: 60, since: nil, limit: 5).map(\.trades) == [5])
        }
    }

    @Test("a failed batch leaves neither rows nor in-memory bars behind")
    func failedBatchRollsBack() throws {
        try withStore { store, _ in
            let t0 = 1_733_300_040 * second
            try store.write(RecorderBatch(items: [.tick(trade(t0, 500, Int64.max - 1))]))
            #expect(throws: RecorderError.self) {
                try store.write(RecorderBatch(items: [.fill(makeFill(tradeId: 1)), .tick(trade(t0 + 1, 510, 5))]))
            }
            #expect(try store.fills(since: nil, symbol: nil).isEmpty)
            try store.write(RecorderBatch(items: [.tick(trade(t0 + 2, 490, 1))]))
            let bars = try store.bars(symbol: "BTCUSDT", intervalSeconds: 1, since: nil, limit: 5)
            #expect(bars == [bar(1, t0, 500, 500, 490, 490, Int64.max, 2)])
            #expect(
                try store.ticks(symbol: "BTCUSDT", since: nil) == [
                    trade(t0, 500, Int64.max - 1), trade(t0 + 2, 490, 1),
                ])
        }
    }

    @Test("CSV exports quote what needs quoting and print exact decimals")
    func csv() {
        var fill = makeFill(tradeId: 3)
        fill.clientOrderId = "a,\"b\""
        let fills = RecorderCSV.fills([fill]).split(separator: "\n")
        #expect(fills[0] == Substring(RecorderCSV.fillsHeader))
        #expect(
            fills[1]
                == "sim,3,spot,BTCUSDT,BTC,USDT,sell,64000.00,0.00100,0.000064,USDT,taker,\"a,\"\"b\"\"\",77,3,1000")
        let orders = RecorderCSV.orders([makeOrder("o1", status: "new", filled: 0, seq: 2)]).split(separator: "\n")
        #expect(orders[1] == "o1,9,BTCUSDT,buy,limit,64000.00,0.01000,0.00000,,new,true,3,20,2")
        #expect(bar(1, 0, 1, 2, 3, 4, 5, 6).csvRow == "BTCUSDT,1,0,0.01,0.02,0.03,0.04,0.00005,6")
    }

    private func bar(
        _ interval: Int, _ openNs: Int64, _ open: Int64, _ high: Int64, _ low: Int64, _ close: Int64, _ volume: Int64,
        _ trades: Int
    ) -> Bar {
        func price(_ m: Int64) -> Price { Price(mantissa: m, exponent: -2) }
        return Bar(
            symbol: "BTCUSDT", intervalSeconds: interval, openNs: openNs, open: price(open), high: price(high),
            low: price(low), close: price(close), volume: Quantity(mantissa: volume, exponent: -5), trades: trades)
    }
}

import EngineKit
import EngineModel
import Foundation
import Logging
import Recorder
import Synchronization

/// The recorder's market-data tape: a reader of the md ring like any external one (it never
/// slows the feed: when it falls behind it is lapped, counts what it lost and goes on), handing
/// every trade and best bid/offer to the recorder, which compresses them into blocks and builds
/// 1 s and 1 m bars from the trades.
public final class MarketTape: @unchecked Sendable {
    private let reader: RingReader
    private let recorder: RecorderWriter
    private let instruments: [Instrument]
    private let logger: Logger
    private let worker = LoopThread(name: "tickwire-tape")
    /// Ticks handed to the recorder, and md events lost to laps.
    public let recorded = Atomic<Int>(0)
    public let lost = Atomic<Int>(0)

    /// A tape of `instance`'s md ring into `recorder`.
    public init(instance: String, instruments: [Instrument], recorder: RecorderWriter, logger: Logger) throws {
        reader = try RingReader(instance: instance, kind: .md)
        self.recorder = recorder
        self.instruments = instruments
        self.logger = logger
    }

    /// Starts the thread.
    public func start() { worker.start { [self] in loop() } }

    /// Stops the thread after what the ring holds.
    public func stop() { worker.stop() }

    private func loop() {
        while !worker.isStopping {
            if drain() == 0 { usleep(2_000) }
        }
        _ = drain()
    }

    private func drain() -> Int {
        var count = 0
        while count < 4096 {
            switch reader.poll() {
            case .event(let event):
                count += 1
                guard event.instrument < instruments.count, let tick = tick(of: event) else { continue }
                recorder.submit(.tick(tick))
                recorded.add(1, ordering: .relaxed)
            case .lapped(let missed):
                lost.add(Int(missed), ordering: .relaxed)
                logger.warning("market tape lapped by the feed", metadata: ["lost": "\(missed)"])
            case .empty, .restarted:
                return count
            }
        }
        return count
    }

    private func tick(of event: MarketEvent) -> TickRecord? {
        let instrument = instruments[event.instrument]
        let p = instrument.priceExponent, q = instrument.quantityExponent
        switch event.kind {
        case .trade(let t):
            return .trade(
                symbol: instrument.symbol, ns: t.exchangeNs != 0 ? t.exchangeNs : t.receiveNs,
                price: Price(mantissa: t.price, exponent: p), quantity: Quantity(mantissa: t.quantity, exponent: q),
                side: t.aggressor)
        case .bbo(let b):
            guard !b.stale, b.bidPrice > 0, b.askPrice > 0 else { return nil }
            return .bbo(
                symbol: instrument.symbol, ns: b.exchangeNs != 0 ? b.exchangeNs : b.receiveNs,
                bidPrice: Price(mantissa: b.bidPrice, exponent: p),
                bidQuantity: Quantity(mantissa: b.bidQuantity, exponent: q),
                askPrice: Price(mantissa: b.askPrice, exponent: p),
                askQuantity: Quantity(mantissa: b.askQuantity, exponent: q))
        default:
            return nil
        }
    }
}

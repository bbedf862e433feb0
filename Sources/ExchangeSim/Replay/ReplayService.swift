import Foundation
import Logging
import ServiceLifecycle

/// Plays a recording through the venues at the configured pace, beside the server.
///
/// It waits for the trigger (the first subscriber to a recorded stream) unless told to start
/// immediately, then hands the frames that are due to their market's venue in batches: at
/// the recorded pace or a multiple of it by sleeping until each frame's time, at max pace in
/// batches of `maxBatch` frames, after each of which it waits until every recorded-stream
/// subscriber has at most `lowWater` messages queued (backpressure instead of dropping).
/// When the frames run out the replay is finished; the service then idles until shutdown,
/// leaving connections open.
struct ReplayService: Service {
    /// What to play and how.
    let status: ReplayStatus
    /// The spot venue.
    let spot: SimVenue
    /// The USD-M venue.
    let futures: SimVenue
    /// Frames handed over per venue call at max pace.
    static let maxBatch = 512
    /// The queue depth max pace lets a subscriber fall to before the next batch.
    static let lowWater = 2048

    func run() async throws {
        await cancelWhenGracefulShutdown { await play() }
        try? await gracefulShutdown()
    }

    /// Plays every frame, or until cancelled.
    private func play() async {
        let configuration = status.configuration
        let recording = configuration.recording
        var logger = Logger(label: "ExchangeSim.Replay")
        logger.logLevel = .info
        let symbols = SimMarket.allCases.flatMap { market in
            recording.replayedSymbols(market).map { "\($0) (\(market.rawValue))" }
        }
        logger.info(
            "replay of \(recording.files.joined(separator: ", ")): \(recording.frameCount) frames, shadow-mode symbols \(symbols.joined(separator: ", ")), speed \(configuration.speed)"
        )
        if configuration.start == .firstSubscriber {
            await withTaskCancellationHandler {
                await status.trigger.wait()
            } onCancel: {
                status.trigger.fire()
            }
        }
        guard !Task.isCancelled else { return }
        status.start(now: ExchangeSimServer.wallClockMillis())
        logger.info("replay started")
        let clock = ContinuousClock()
        let origin = clock.now
        for pass in 0..<max(1, configuration.passes) where !Task.isCancelled {
            let shift = Self.offset((recording.endTime - recording.startTime) * Int64(pass), configuration.speed)
            await play(recording.frames, from: origin + shift, speed: configuration.speed, clock: clock)
        }
        guard !Task.isCancelled else { return }
        status.finish(now: ExchangeSimServer.wallClockMillis())
        logger.info("replay finished: \(status.sent) messages sent")
    }

    /// Plays `frames` once, the first due at `origin`.
    private func play(
        _ frames: [ReplayFrame], from origin: ContinuousClock.Instant, speed: ReplayConfiguration.Speed,
        clock: ContinuousClock
    ) async {
        let first = frames.first?.time ?? 0
        var index = 0
        while index < frames.count, !Task.isCancelled {
            var end: Int
            switch speed {
            case .max:
                end = min(frames.count, index + Self.maxBatch)
            case .recorded, .multiplier:
                let due = origin + Self.offset(frames[index].time - first, speed)
                if due > clock.now {
                    try? await Task.sleep(until: due, clock: clock)
                    continue
                }
                let now = clock.now
                end = index + 1
                while end < frames.count, end - index < 4 * Self.maxBatch,
                    origin + Self.offset(frames[end].time - first, speed) <= now
                {
                    end += 1
                }
            }
            let sent = await play(frames[index..<end], backpressure: speed == .max)
            status.advance(to: end, sent: sent)
            index = end
            if speed == .max {
                await spot.streams.waitForRecordedRoom(atMost: Self.lowWater)
                await futures.streams.waitForRecordedRoom(atMost: Self.lowWater)
            }
        }
    }

    /// Hands a batch to the venues, each run of one market to its venue, in order.
    private func play(_ batch: ArraySlice<ReplayFrame>, backpressure: Bool) async -> Int {
        var sent = 0
        var start = batch.startIndex
        let now = ExchangeSimServer.wallClockMillis()
        while start < batch.endIndex {
            let market = batch[start].market
            var end = start + 1
            while end < batch.endIndex, batch[end].market == market { end += 1 }
            let venue = market == .spot ? spot : futures
            sent += await venue.replay(batch[start..<end], backpressure: backpressure, now: now)
            start = end
        }
        return sent
    }

    /// The wall-clock offset of a frame recorded `nanos` after the first, at `speed`.
    static func offset(_ nanos: Int64, _ speed: ReplayConfiguration.Speed) -> Duration {
        switch speed {
        case .recorded, .max: return .nanoseconds(nanos)
        case .multiplier(let x): return .nanoseconds(Int64((Double(nanos) / x).rounded()))
        }
    }
}

import Matching
import ServiceLifecycle

/// Drives the futures venue's timed work — funding times, liquidation checks, listen-key
/// expiry — from the futures clock: on every move of a `SimClock` (tests), else once a second
/// of the wall clock.
struct FuturesClockService: Service {
    /// The futures venue.
    let venue: SimVenue
    /// The injected clock; nil: the wall clock.
    let clock: SimClock?
    /// The wall clock.
    let wall: @Sendable () -> Int64

    /// Runs until shut down.
    func run() async throws {
        if let clock {
            let changes = clock.changes()
            await venue.futuresTick(now: clock.now)
            await cancelWhenGracefulShutdown {
                for await now in changes { await venue.futuresTick(now: now) }
            }
            return
        }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await venue.futuresTick(now: wall())
            try? await Task.sleep(for: .seconds(1))
        }
    }
}

import Account
import EngineModel
import Foundation
import Logging
import Synchronization

/// Reconciliation on a timer (FR-AM-004): the first at start (so a restarted engine agrees with
/// the venue within seconds), then every `interval` — stretched when one round's request weight
/// would take more than `weightBudgetPerMinute` of the venue's limit — and on demand
/// (`engine reconcile`). The venue's account is fetched here, off the processor thread; the
/// comparison and the corrections run on it.
public final class ReconciliationLoop: Sendable {
    private let processor: AccountProcessor
    private let client: any VenueAccountClient
    private let instruments: [Instrument]
    private let intervalNs: Int64
    private let weightBudgetPerMinute: Int
    private let logger: Logger
    private let tradesSince: Mutex<Int64?>
    /// When the engine started, until the first round succeeds (the recovery is timed to it).
    private let recoveryStart: Mutex<Int64?>
    private let triggered = Atomic<Bool>(false)
    /// Rounds run and rounds that failed to reach the venue.
    public let rounds = Atomic<Int>(0)
    public let failures = Atomic<Int>(0)

    /// A loop reconciling `processor` with `client`'s venue for `instruments`; trades are asked
    /// from `tradesSinceNs` on at first (nil: the venue's most recent).
    public init(
        processor: AccountProcessor, client: any VenueAccountClient, instruments: [Instrument],
        intervalNs: Int64 = 5_000_000_000, weightBudgetPerMinute: Int = 600, tradesSinceNs: Int64?,
        startedNs: Int64? = nil, logger: Logger
    ) {
        self.processor = processor
        self.client = client
        self.instruments = instruments
        self.intervalNs = intervalNs
        self.weightBudgetPerMinute = weightBudgetPerMinute
        self.logger = logger
        tradesSince = Mutex(tradesSinceNs)
        recoveryStart = Mutex(startedNs)
    }

    /// The pause between rounds: the interval, or longer when the rounds' weight would exceed the budget.
    public var pauseNs: Int64 {
        let weight = client.weight(symbols: instruments.count)
        let paced = Int64(weight) * 60_000_000_000 / Int64(max(1, weightBudgetPerMinute))
        return max(intervalNs, paced)
    }

    /// Asks for a round now.
    public func trigger() { triggered.store(true, ordering: .releasing) }

    /// One round: fetch, compare, correct. Throws when the venue could not be asked.
    @discardableResult
    public func runOnce() async throws -> ReconciliationReport {
        let started = wallClockNs()
        let since = tradesSince.withLock { $0 }
        let venue = try await client.fetch(symbols: instruments, tradesSinceNs: since)
        let recovery = recoveryStart.withLock { start in
            defer { start = nil }
            return start
        }
        let report = await processor.reconcile(with: venue, startedNs: started, recoveryStartedNs: recovery)
        // The next round asks from a minute before this one: trades are keyed, overlap is harmless.
        tradesSince.withLock { $0 = max($0 ?? 0, venue.fetchedNs - 60_000_000_000) }
        rounds.add(1, ordering: .relaxed)
        return report
    }

    /// Rounds until the task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            var pause = pauseNs
            do {
                let report = try await runOnce()
                if report.mismatchesFound > 0 || report.missingFills > 0 {
                    logger.warning(
                        "reconciliation: \(report.mismatchesFound) mismatches, \(report.missingFills) missing fills taken in")
                }
            } catch {
                failures.add(1, ordering: .relaxed)
                logger.error("reconciliation could not reach the venue: \(error)")
                if let wait = (error as? VenueAccountError)?.retryAfterSeconds {
                    pause = max(pause, Int64(wait) * 1_000_000_000)
                }
            }
            await sleepOrWake(ns: pause)
        }
    }

    /// Sleeps `ns`, or less when a round is asked for (checked every 20 ms).
    private func sleepOrWake(ns: Int64) async {
        let end = wallClockNs() + ns
        while wallClockNs() < end && !Task.isCancelled {
            if triggered.exchange(false, ordering: .acquiringAndReleasing) { return }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
    }
}

import EngineKit
import Foundation
import Logging

/// Answers a feed thread's snapshot requests: polls its mailboxes, GETs the venue's depth
/// endpoint and posts the body back, off the hot path.
///
/// A 429 or 418 pauses every fetch for the `Retry-After` the venue gave (DESIGN §8); other
/// failures retry the symbol after a delay that doubles up to 30 s. Requests are answered in
/// the order they are noticed, a few at a time, so a reconnect of many symbols does not burst
/// the venue's weight limit.
public final class SnapshotFetcher: Sendable {
    private let feed: MarketFeed
    private let client: RESTClient
    private let path: String
    private let limit: Int
    private let symbols: [String]
    private let logger: Logger
    private let counters = SnapshotCounters()

    /// A fetcher for `feed`'s symbols (upper case, in the feed's order) from `path` with `limit` levels.
    public init(feed: MarketFeed, client: RESTClient, path: String, limit: Int, symbols: [String], logger: Logger) {
        self.feed = feed
        self.client = client
        self.path = path
        self.limit = limit
        self.symbols = symbols
        self.logger = logger
    }

    /// Snapshots posted, and failed fetches, so far.
    public var posted: Int { counters.posted }
    public var failures: Int { counters.failures }

    /// Serves requests until the task is cancelled.
    public func run(pollMillis: Int = 5, concurrency: Int = 4) async {
        var retryAt = [ContinuousClock.Instant?](repeating: nil, count: symbols.count)
        var failures = [Int](repeating: 0, count: symbols.count)
        var pausedUntil: ContinuousClock.Instant?
        let clock = ContinuousClock()
        await withTaskGroup(of: (Int, FetchOutcome).self) { group in
            var inFlight = Set<Int>()
            while !Task.isCancelled {
                let now = clock.now
                if pausedUntil.map({ now >= $0 }) ?? false { pausedUntil = nil }
                if pausedUntil == nil {
                    for index in symbols.indices where !inFlight.contains(index) && inFlight.count < concurrency {
                        if let at = retryAt[index], now < at { continue }
                        guard let ticket = feed.wantedSnapshot(symbol: index) else { continue }
                        inFlight.insert(index)
                        group.addTask { (index, await self.fetch(index, ticket: ticket)) }
                    }
                }
                // Collect what finished; wait at most one poll interval.
                while let (index, outcome) = await nextResult(of: &group, within: .milliseconds(pollMillis)) {
                    inFlight.remove(index)
                    switch outcome {
                    case .posted, .stale:
                        failures[index] = 0
                        retryAt[index] = nil
                    case .pause(let seconds):
                        pausedUntil = clock.now + .seconds(seconds)
                    case .failed:
                        failures[index] += 1
                        let delay = min(30_000, 250 << min(failures[index], 7))
                        retryAt[index] = clock.now + .milliseconds(delay)
                    }
                }
            }
            group.cancelAll()
        }
    }

    private enum FetchOutcome: Sendable {
        case posted, stale, failed
        case pause(Int)
    }

    /// The next finished fetch, or nil when none finished within `timeout`.
    private func nextResult(
        of group: inout TaskGroup<(Int, FetchOutcome)>, within timeout: Duration
    ) async -> (Int, FetchOutcome)? {
        if group.isEmpty {
            try? await Task.sleep(for: timeout)
            return nil
        }
        // A sleeper task bounds the wait; its result (-1) means "nothing yet".
        group.addTask {
            try? await Task.sleep(for: timeout)
            return (-1, .stale)
        }
        guard let first = await group.next(), first.0 >= 0 else { return nil }
        return first
    }

    private func fetch(_ index: Int, ticket: UInt64) async -> FetchOutcome {
        let symbol = symbols[index]
        do {
            let answer = try await client.get("\(path)?symbol=\(symbol)&limit=\(limit)")
            switch answer.status {
            case 200:
                switch feed.postSnapshot(symbol: index, ticket: ticket, body: answer.body) {
                case .accepted:
                    counters.post()
                    logger.debug("snapshot posted", metadata: ["symbol": "\(symbol)", "bytes": "\(answer.body.count)"])
                    return .posted
                case .stale:
                    return .stale
                case .tooLarge:
                    counters.fail()
                    feed.snapshotFailed(symbol: index, .tooLarge)
                    logger.error("snapshot too large for the feed's buffer", metadata: ["symbol": "\(symbol)"])
                    return .failed
                case .failed(let rc):
                    counters.fail()
                    logger.error("snapshot refused by the feed", metadata: ["symbol": "\(symbol)", "errno": "\(-rc)"])
                    return .failed
                }
            case 418, 429:
                counters.fail()
                feed.snapshotFailed(symbol: index, .httpStatus(answer.status))
                let seconds = max(1, answer.retryAfterSeconds ?? 60)
                logger.warning(
                    "venue rate limit: pausing snapshot fetches",
                    metadata: ["status": "\(answer.status)", "retry_after_s": "\(seconds)", "symbol": "\(symbol)"])
                return .pause(seconds)
            default:
                counters.fail()
                feed.snapshotFailed(symbol: index, .httpStatus(answer.status))
                let text = String(decoding: answer.body.prefix(200), as: UTF8.self)
                logger.warning(
                    "snapshot fetch failed", metadata: ["symbol": "\(symbol)", "status": "\(answer.status)", "body": "\(text)"])
                return .failed
            }
        } catch {
            counters.fail()
            feed.snapshotFailed(symbol: index, .noAnswer)
            logger.warning("snapshot fetch failed", metadata: ["symbol": "\(symbol)", "error": "\(error)"])
            return .failed
        }
    }
}

/// Counts shared between fetch tasks and readers.
private final class SnapshotCounters: @unchecked Sendable {
    private let lock = NSLock()
    private var postedCount = 0
    private var failureCount = 0

    func post() { lock.withLock { postedCount += 1 } }
    func fail() { lock.withLock { failureCount += 1 } }
    var posted: Int { lock.withLock { postedCount } }
    var failures: Int { lock.withLock { failureCount } }
}

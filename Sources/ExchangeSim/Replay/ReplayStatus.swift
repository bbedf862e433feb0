import Foundation

/// The replay's progress, shared by the player and `GET /admin/replay`.
final class ReplayStatus: @unchecked Sendable {
    /// Where the replay is.
    enum State: String, Sendable {
        /// Waiting for the first subscriber.
        case waiting
        /// Sending frames.
        case running
        /// Every frame was sent; connections stay open.
        case finished
    }

    /// What is replayed.
    let configuration: ReplayConfiguration
    /// Fired by the hubs when a connection first subscribes to a recorded stream.
    let trigger: ReplayTrigger
    /// Guards everything below.
    private let lock = NSLock()
    private var state = State.waiting
    private var position = 0
    private var messagesSent = 0
    private var startedAt: Int64?
    private var finishedAt: Int64?

    /// A replay not started yet.
    init(configuration: ReplayConfiguration) {
        self.configuration = configuration
        trigger = ReplayTrigger(needed: configuration.subscribersToStart)
    }

    /// The current state.
    var current: State {
        lock.lock()
        defer { lock.unlock() }
        return state
    }

    /// The number of messages queued to subscribers so far.
    var sent: Int {
        lock.lock()
        defer { lock.unlock() }
        return messagesSent
    }

    /// Marks the start, at wall time `now` (ms).
    func start(now: Int64) {
        lock.lock()
        state = .running
        startedAt = now
        lock.unlock()
    }

    /// Records that frames before `position` were played, `sent` more messages queued.
    func advance(to position: Int, sent: Int) {
        lock.lock()
        self.position = position
        messagesSent += sent
        lock.unlock()
    }

    /// Marks the end, at wall time `now` (ms).
    func finish(now: Int64) {
        lock.lock()
        state = .finished
        finishedAt = now
        lock.unlock()
    }

    /// The `GET /admin/replay` answer: state, pace, files, frames played, messages sent and
    /// the recorded time reached (ns and ms since the epoch), and the replayed symbols.
    func json() -> JSONValue {
        lock.lock()
        let (state, position, sent, startedAt, finishedAt) =
            (self.state, self.position, messagesSent, self.startedAt, self.finishedAt)
        lock.unlock()
        let recording = configuration.recording
        let reached = position == 0 ? recording.startTime : recording.frames[position - 1].time
        var symbols: [JSONValue] = []
        for market in SimMarket.allCases {
            for symbol in recording.replayedSymbols(market) {
                symbols.append(.object([
                    ("market", .string(market.rawValue)), ("symbol", .string(symbol)), ("book", .string("shadow")),
                ]))
            }
        }
        return .object([
            ("state", .string(state.rawValue)), ("speed", .string(configuration.speed.description)),
            ("start", .string(configuration.start.rawValue)), ("files", .array(recording.files.map { .string($0) })),
            ("frames", .int(recording.frameCount)), ("position", .int(position)), ("messagesSent", .int(sent)),
            ("recordedStartNanos", .int(recording.startTime)), ("recordedEndNanos", .int(recording.endTime)),
            ("recordedTimeNanos", .int(reached)), ("recordedTimeMillis", .int(reached / 1_000_000)),
            ("startedAt", startedAt.map { .int($0) } ?? .null), ("finishedAt", finishedAt.map { .int($0) } ?? .null),
            ("skippedLines", .int(recording.skippedLines)), ("symbols", .array(symbols)),
        ])
    }
}

extension ReplayStatus {
    /// Makes the venues' hubs serve the recording's streams and fire the trigger.
    func install(spot: SimVenue, futures: SimVenue) {
        let recording = configuration.recording
        for (market, venue) in [(SimMarket.spot, spot), (.usdm, futures)] {
            venue.streams.installRecording(
                names: recording.recordedStreams(market), symbols: Set(recording.replayedSymbols(market)),
                trigger: trigger)
        }
    }
}

/// How the venue replays recorded data (`ExchangeSimServer.Configuration.replay`).
///
/// ```swift
/// var configuration = ExchangeSimServer.Configuration()
/// configuration.replay = try ReplayConfiguration(files: ["btcusdt.gz"], speed: .multiplier(10))
/// ```
///
/// Every recorded stream frame is sent as recorded — the `data` text to raw `/ws/<stream>`
/// connections, the `{"stream":…,"data":…}` envelope to combined ones (USD-M recordings on
/// `/fstream/ws` and `/fstream/stream`), with the recording's `U`/`u`/`pu` — to connections
/// subscribed to that exact stream name. Replayed symbols are listed in shadow mode: their
/// book is the recording (the first recorded depth snapshot, then each diff), user orders fill
/// against it without changing it, and the venue's own liquidity and streams for them are off.
///
/// Clock: the replay waits until a connection first subscribes to a recorded stream (so a
/// client connecting first sees everything), unless `start` is `.immediately`; then frame i
/// goes out at start + (tᵢ − t₀) / speed. At the end of the files the replay is finished;
/// connections stay open.
///
/// REST depth of a replayed symbol: the recorded snapshot while the stream has not yet sent
/// past it (so a client buffering from the first frame can sync with it), else the replayed
/// book now, with `lastUpdateId` = the `u` of the last diff sent — Binance's documented
/// snapshot-and-diff procedure works at any moment. `GET /admin/replay` reports progress.
public struct ReplayConfiguration: Sendable {
    /// The pace of the replay.
    public enum Speed: Hashable, Sendable, CustomStringConvertible {
        /// The recorded pace.
        case recorded
        /// `x` times the recorded pace (2 = twice as fast); must be > 0.
        case multiplier(Double)
        /// As fast as the subscribers' sockets take: no connection is dropped for being slow;
        /// the replay waits for the slowest instead.
        case max

        /// "recorded", "10x" or "max".
        public var description: String {
            switch self {
            case .recorded: "recorded"
            case .multiplier(let x): "\(x)x"
            case .max: "max"
            }
        }

        /// Parses `recorded` (or `1`, `1x`), `max`, or a multiplier (`10`, `10x`, `0.5x`).
        public init(parsing text: String) throws(ReplayError) {
            let lower = text.lowercased()
            switch lower {
            case "recorded", "realtime", "1", "1x": self = .recorded
            case "max", "fastest": self = .max
            default:
                let number = lower.hasSuffix("x") ? String(lower.dropLast()) : lower
                guard let x = Double(number), x > 0, x.isFinite else { throw .invalidSpeed(text) }
                self = .multiplier(x)
            }
        }
    }

    /// When the replay clock starts.
    public enum Start: String, Hashable, Sendable {
        /// When a connection first subscribes to a recorded stream.
        case firstSubscriber
        /// As soon as the server runs.
        case immediately
    }

    /// The loaded recording.
    public let recording: ReplayRecording
    /// The pace.
    public var speed: Speed
    /// What starts the clock.
    public var start: Start
    /// How many times the files are played back to back (1 = once). For load tests: update
    /// ids repeat on every pass, so a client keeping a book sees it start over.
    public var passes: Int = 1
    /// With `start` = `.firstSubscriber`: how many connections must subscribe to a recorded
    /// stream before the clock starts (1 = the first one).
    public var subscribersToStart: Int = 1

    /// Loads `files` (see `ReplayRecording` for the formats) to replay at `speed`.
    public init(files: [String], speed: Speed = .recorded, start: Start = .firstSubscriber) throws(ReplayError) {
        try self.init(sources: files.map { ReplaySource(path: $0) }, speed: speed, start: start)
    }

    /// Loads `sources` to replay at `speed`.
    public init(sources: [ReplaySource], speed: Speed = .recorded, start: Start = .firstSubscriber) throws(ReplayError) {
        self.init(recording: try ReplayRecording.load(sources), speed: speed, start: start)
    }

    /// Replays an already loaded recording.
    public init(recording: ReplayRecording, speed: Speed = .recorded, start: Start = .firstSubscriber) {
        self.recording = recording
        self.speed = speed
        self.start = start
    }

    /// The files replayed.
    public var files: [String] { recording.files }
}

import ArgumentParser
import EngineKit
import EngineModel
import Foundation

/// `engine start`: creates the instance's segments, runs the market-data feed, stops cleanly on
/// a signal.
///
/// The feed is the C hot path on a real network path (io_uring, TLS when the URL says wss,
/// WebSocket, Binance decoders and book sync) connected to Binance spot, USD-M futures, or —
/// the default — ExchangeSim started in this process on loopback. `--venue synthetic` instead
/// random-walks books in a C thread with no network at all.
struct Start: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the engine: books and md events in /dev/shm until SIGINT/SIGTERM or --duration.")

    @Option(name: .long, help: "Instance name: segments are /dev/shm/tickwire.<instance>.<kind>.")
    var instance: String?

    @Option(help: "JSON file with any of these settings; flags win over it.")
    var config: String?

    @Option(help: "Cores for the engine's threads, feed thread first (e.g. 0,1). Default: unpinned.")
    var cores: String?

    @Option(help: "Market-data venue: sim (ExchangeSim on loopback, default), binance, binance-futures, synthetic.")
    var venue: String?

    @Option(help: "Comma-separated symbols (default BTCUSDT,ETHUSDT,SOLUSDT).")
    var symbols: String?

    @Option(name: .customLong("ws-url"), help: "Combined-stream endpoint (binance: wss://stream.binance.com:9443/stream).")
    var wsURL: String?

    @Option(name: .customLong("rest-url"), help: "REST base URL for exchangeInfo and depth snapshots (binance: https://api.binance.com).")
    var restURL: String?

    @Option(name: .customLong("ca-file"), help: "PEM file of CAs to trust instead of the system's.")
    var caFile: String?

    @Flag(name: .customLong("insecure"), help: "Skip certificate checks (loopback only).")
    var insecure = false

    @Option(help: "Feed thread wait strategy: block (shares its core) or spin (owns it).")
    var wait: String?

    @Option(name: .customLong("sim-url"), help: "With --venue sim: an `engine sim` started elsewhere (http[s]://127.0.0.1:PORT); every endpoint is derived from it.")
    var simURL: String?

    @Flag(name: .customLong("sim-tls"), help: "Serve the built-in sim over https/wss and verify it with its CA.")
    var simTLS = false

    @Option(help: "Stop after this many seconds (default: run until a signal).")
    var duration: Double?

    @Option(help: "Book levels a side in shared memory (1-1000, default 20).")
    var depth: UInt32?

    @Option(name: .customLong("ring-slots"), help: "Slots of the md ring (power of two, default 65536).")
    var ringSlots: UInt32?

    @Option(help: "Synthetic venue updates per second over all symbols (0: as fast as possible).")
    var rate: UInt32?

    @Option(help: "Seed of the synthetic venue's walk, or of the sim's liquidity.")
    var seed: UInt64?

    @Option(help: "Order handling: live (send to the venue; on the sim venue, to the sim), simulation (fill locally against the live book), observation (validate, send nothing), off.")
    var mode: String?

    @Option(help: "File (mode 0600) with api_key and api_secret; else TICKWIRE_API_KEY/TICKWIRE_API_SECRET. The sim venue uses its own.")
    var credentials: String?

    @Flag(name: .customLong("cancel-on-exit"), help: "Cancel every open order when the engine stops (SIGINT/SIGTERM, --duration).")
    var cancelOnExit = false

    @Option(name: .customLong("ws-api-url"), help: "The venue's WebSocket API (binance: wss://ws-api.binance.com:443/ws-api/v3).")
    var wsAPIURL: String?

    @Option(help: "The recorder: a SQLite file (default: $TICKWIRE_STATE_DIR, $XDG_STATE_HOME/tickwire or ~/.local/state/tickwire, as <instance>.sqlite), postgres://user@host:port/db, or none.")
    var recorder: String?

    @Option(name: .customLong("reconcile-interval-ms"), help: "Reconcile with the venue this often (default 5000; the first at start).")
    var reconcileIntervalMs: Int?

    @Option(name: .customLong("futures-symbols"), help: "With --venue sim: also run these USD-M perpetuals of the sim (comma-separated), as instance <instance>-usdm; strategies see both.")
    var futuresSymbols: String?

    @Option(help: "Run built-in strategies on every --symbols symbol: market-maker, imbalance-momentum (comma-separated); more in --config.")
    var strategy: String?

    @Option(name: .customLong("order-size"), help: "With --strategy: the full order size in the base asset (default: the smallest size above twice the minimum notional at the first mid).")
    var orderSize: String?

    @Option(name: .customLong("control"), help: "The control plane's HOST:PORT (HTTP API, dashboard, /metrics; default 127.0.0.1:8780 or $TICKWIRE_CONTROL; 0 as port picks a free one).")
    var control: String?

    @Flag(name: .customLong("no-control"), help: "Run without the control plane.")
    var noControl = false

    @Option(name: .customLong("control-token-file"), help: "File (mode 0600) with the bearer token for the control plane's changes; required beyond loopback. Default: one made at start in the state directory.")
    var controlTokenFile: String?

    @Flag(name: .customLong("keep-segments"), help: "Leave the segments in /dev/shm after stopping (state dead).")
    var keepSegments = false

    func run() async throws {
        let file: EngineConfigFile
        do { file = try config.map(EngineConfigFile.load(path:)) ?? EngineConfigFile() } catch {
            throw fail("\(error)", code: 2)
        }
        let settings = try StartSettings(flags: self, file: file)
        let signals = SignalWaiter(signals: [SIGINT, SIGTERM])
        if settings.venue == "synthetic" {
            try SyntheticRun(settings: settings).run(signals: signals)
        } else {
            try await NetworkRun(settings: settings).run(signals: signals)
        }
    }
}

/// Catches signals process-wide (a dispatch signal source, whatever thread the kernel picks) and
/// hands them to whoever waits: the default action (dying without removing the segments) is
/// replaced for the signals given.
final class SignalWaiter: @unchecked Sendable {
    private let lock = NSLock()
    private var received: [Int32] = []
    private let arrived = DispatchSemaphore(value: 0)
    private var sources: [DispatchSourceSignal] = []

    init(signals: [Int32]) {
        let queue = DispatchQueue(label: "tickwire.signals")
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [weak self] in
                guard let self else { return }
                self.lock.withLock { self.received.append(number) }
                self.arrived.signal()
            }
            source.resume()
            sources.append(source)
        }
    }

    /// A signal already received and not yet taken, or nil (does not wait).
    func poll() -> Int32? {
        lock.withLock { received.isEmpty ? nil : received.removeFirst() }
    }

    /// The signal received within the timeout, or nil.
    func wait(milliseconds: Int) -> Int32? {
        if let signal = poll() { return signal }
        _ = arrived.wait(timeout: .now() + .milliseconds(milliseconds))
        return poll()
    }
}

/// Waits for a signal, the duration, or the feed's end; heartbeats the instance meanwhile.
func waitForEnd(instance: EngineInstance, duration: Double?, signals: SignalWaiter, running: () -> Bool) -> String {
    let start = Date()
    while true {
        if let signal = signals.wait(milliseconds: 100) { return signal == SIGINT ? "SIGINT" : "SIGTERM" }
        instance.heartbeat()
        if !running() { return "feed thread ended" }
        if let duration, Date().timeIntervalSince(start) >= duration { return "duration \(duration) s elapsed" }
    }
}

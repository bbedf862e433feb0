import ArgumentParser
import EngineKit
import EngineModel
import Foundation

/// `engine start`: creates the instance's segments, runs the venue feed, stops cleanly on a signal.
struct Start: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the engine: books and md events in /dev/shm until SIGINT/SIGTERM or --duration.")

    @OptionGroup var options: InstanceOptions

    @Option(help: "Cores for the engine's threads, feed thread first (e.g. 0,1). Default: unpinned.")
    var cores: String?

    @Option(help: "Market-data venue. Available: synthetic.")
    var venue: String = "synthetic"

    @Option(help: "Comma-separated symbols.")
    var symbols: String = "BTCUSDT,ETHUSDT,SOLUSDT"

    @Option(help: "Synthetic venue updates per second over all symbols (0: as fast as possible); a trade adds its own md event.")
    var rate: UInt32 = 1000

    @Option(help: "Stop after this many seconds (default: run until a signal).")
    var duration: Double?

    @Option(help: "Book levels a side in shared memory (1-1000).")
    var depth: UInt32 = 20

    @Option(name: .customLong("ring-slots"), help: "Slots of the md ring (power of two).")
    var ringSlots: UInt32 = 65536

    @Option(help: "Seed of the synthetic venue's random walk.")
    var seed: UInt64 = 1

    @Flag(name: .customLong("keep-segments"), help: "Leave the segments in /dev/shm after stopping (state dead).")
    var keepSegments = false

    func run() throws {
        let plan = try plan()
        let signals = SignalWaiter(signals: [SIGINT, SIGTERM])
        let instance: EngineInstance
        do {
            instance = try EngineInstance.create(plan.config)
        } catch .instanceBusy(_, let message) {
            throw fail(message + "; stop it first or use another --instance", code: 3)
        } catch {
            throw fail(error.description)
        }
        if let pid = instance.tookOverFrom {
            warn("previous engine on '\(options.instance)' (pid \(pid)) died; took over, generation moved on")
        }
        var venueConfig = SyntheticVenueConfig(startPrices: plan.startPrices)
        venueConfig.seed = seed
        venueConfig.rate = rate
        venueConfig.core = plan.cores?.cores.first
        let feed: SyntheticVenue
        do {
            feed = try SyntheticVenue(instance: instance, config: venueConfig)
            try feed.start()
        } catch {
            instance.shutdown(keepSegments: false)
            throw fail(error.description)
        }
        instance.setState(.live)
        announce(instance, plan)
        let reason = waitForEnd(instance: instance, feed: feed, signals: signals)
        feed.stop()
        let joined = Result { () throws(SyntheticVenueError) in try feed.join() }
        instance.shutdown(keepSegments: keepSegments)
        print("engine: stopped (\(reason)); \(feed.events) events published; segments \(keepSegments ? "kept" : "removed")")
        if case .failure(let error) = joined { throw fail(error.description) }
    }

    private struct Plan {
        var config: InstanceConfig
        var startPrices: [Int64]
        var cores: CoreSet?
    }

    /// Checks every input before anything is created; a bad one exits 2 with one clear line.
    private func plan() throws -> Plan {
        var cores: CoreSet?
        if let text = self.cores {
            do {
                let set = try CoreSet(parsing: text)
                try set.validate()
                cores = set
            } catch { throw fail(error.description, code: 2) }
        }
        guard venue == "synthetic" else {
            throw fail("unknown venue '\(venue)'; available: synthetic", code: 2)
        }
        var instruments: [Instrument] = []
        var prices: [Int64] = []
        for raw in symbols.split(separator: ",", omittingEmptySubsequences: false) {
            let symbol = raw.trimmingCharacters(in: .whitespaces).uppercased()
            guard let (instrument, price) = SyntheticCatalog.lookup(symbol) else {
                let known = SyntheticCatalog.symbols.joined(separator: ",")
                throw fail("unknown symbol '\(symbol)' for the synthetic venue; known: \(known)", code: 2)
            }
            guard !instruments.contains(where: { $0.symbol == symbol }) else {
                throw fail("symbol '\(symbol)' given twice", code: 2)
            }
            instruments.append(instrument)
            prices.append(price)
        }
        if let duration, !(duration > 0 && duration.isFinite) {
            throw fail("--duration must be a positive number of seconds", code: 2)
        }
        guard (1...1000).contains(depth) else { throw fail("--depth must be 1...1000", code: 2) }
        guard ringSlots >= 64, ringSlots & (ringSlots - 1) == 0, ringSlots <= 1 << 24 else {
            throw fail("--ring-slots must be a power of two from 64 to 16777216", code: 2)
        }
        let config = InstanceConfig(instance: options.instance, instruments: instruments, depth: depth, mdSlots: ringSlots)
        return Plan(config: config, startPrices: prices, cores: cores)
    }

    private func announce(_ instance: EngineInstance, _ plan: Plan) {
        let symbols = plan.config.instruments.map(\.symbol).joined(separator: ",")
        let pinned = plan.cores.map { "feed on core \($0.cores[0])" } ?? "unpinned"
        print("engine: instance '\(options.instance)' live, generation \(instance.generation), pid \(getpid())")
        print("engine: venue \(venue) [\(symbols)] at \(rate == 0 ? "max" : String(rate)) events/s, \(pinned)")
        print("engine: segments \(instance.md.path.replacingOccurrences(of: ".md", with: ".{md,books,cmd,stats}"))")
        print("engine: inspect with `engine status`, `engine book \(plan.config.instruments[0].symbol)`, `engine tail md`")
        flushOutput()
    }

    private func waitForEnd(instance: EngineInstance, feed: SyntheticVenue, signals: SignalWaiter) -> String {
        let start = Date()
        while true {
            if let signal = signals.wait(milliseconds: 100) { return signal == SIGINT ? "SIGINT" : "SIGTERM" }
            instance.heartbeat()
            if !feed.isRunning { return "feed thread ended" }
            if let duration, Date().timeIntervalSince(start) >= duration { return "duration \(duration) s elapsed" }
        }
    }
}

/// Blocks signals in every thread started after it, and waits for them with a timeout.
final class SignalWaiter {
    private var set = sigset_t()

    init(signals: [Int32]) {
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// The signal received within the timeout, or nil.
    func wait(milliseconds: Int) -> Int32? {
        var timeout = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        let signal = sigtimedwait(&set, nil, &timeout)
        return signal > 0 ? signal : nil
    }
}

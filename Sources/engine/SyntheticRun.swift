import EngineKit
import EngineModel
import Foundation

/// `engine start --venue synthetic`: a C thread random-walks the books, no network.
struct SyntheticRun {
    let settings: StartSettings

    func run(signals: SignalWaiter) throws {
        var instruments: [Instrument] = []
        var prices: [Int64] = []
        for symbol in settings.symbols {
            guard let (instrument, price) = SyntheticCatalog.lookup(symbol) else {
                let known = SyntheticCatalog.symbols.joined(separator: ",")
                throw fail("unknown symbol '\(symbol)' for the synthetic venue; known: \(known)", code: 2)
            }
            instruments.append(instrument)
            prices.append(price)
        }
        let config = InstanceConfig(
            instance: settings.instance, instruments: instruments, depth: settings.depth, mdSlots: settings.ringSlots)
        let instance = try createInstance(config)
        var venueConfig = SyntheticVenueConfig(startPrices: prices)
        venueConfig.seed = settings.seed
        venueConfig.rate = settings.rate
        venueConfig.core = settings.cores?.cores.first
        let feed: SyntheticVenue
        do {
            feed = try SyntheticVenue(instance: instance, config: venueConfig)
            try feed.start()
        } catch {
            instance.shutdown(keepSegments: false)
            throw fail(error.description)
        }
        instance.setState(.live)
        let rate = settings.rate == 0 ? "max" : String(settings.rate)
        announce(instance, settings, venueLine: "synthetic at \(rate) events/s")
        let reason = waitForEnd(instance: instance, duration: settings.duration, signals: signals) { feed.isRunning }
        feed.stop()
        let joined = Result { () throws(SyntheticVenueError) in try feed.join() }
        instance.shutdown(keepSegments: settings.keepSegments)
        print(
            "engine: stopped (\(reason)); \(feed.events) events published; segments \(settings.keepSegments ? "kept" : "removed")"
        )
        if case .failure(let error) = joined { throw fail(error.description) }
    }
}

/// Creates the instance's segments, or exits: 3 when another engine holds the instance.
func createInstance(_ config: InstanceConfig) throws -> EngineInstance {
    let instance: EngineInstance
    do {
        instance = try EngineInstance.create(config)
    } catch .instanceBusy(_, let message) {
        throw fail(message + "; stop it first or use another --instance", code: 3)
    } catch {
        throw fail(error.description)
    }
    if let pid = instance.tookOverFrom {
        warn("previous engine on '\(config.instance)' (pid \(pid)) died; took over, generation moved on")
    }
    return instance
}

/// The start banner: what runs where and how to look at it.
func announce(_ instance: EngineInstance, _ settings: StartSettings, venueLine: String) {
    let symbols = instance.config.instruments.map(\.symbol).joined(separator: ",")
    let pinned = settings.cores.map { "feed on core \($0.cores[0])" } ?? "unpinned"
    print("engine: instance '\(settings.instance)' live, generation \(instance.generation), pid \(getpid())")
    print("engine: venue \(venueLine) [\(symbols)], \(pinned)")
    print("engine: segments \(instance.md.path.replacingOccurrences(of: ".md", with: ".{md,books,cmd,stats}"))")
    print(
        "engine: inspect with `engine status`, `engine book \(instance.config.instruments[0].symbol)`, `engine tail md`")
    flushOutput()
}

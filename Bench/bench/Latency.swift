import ArgumentParser
import CBench
import CEngineCore
import Foundation

/// `bench latency`: one-way latencies of the md ring and the book seqlock,
/// between threads and between processes, each judged against floors (cache-line
/// ping-pong on the same cores, memcpy of the same bytes) measured in the same run.
struct Latency: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "One-way latencies of the md ring and book seqlock, beside floors measured in the same run.",
        discussion: """
            Scenarios, in run order (a chosen scenario brings its floors along):
              pingpong         floor: a counter bounced in one cache line, A<->B
              memcpy-slot      floor: memcpy of one md slot (128 B), per copy
              memcpy-block     floor: memcpy of one depth-20 book block (704 B)
              seqlock-thread   tw_book_write on A -> tw_book_read on B
              ring-thread      tw_ring_publish on A -> tw_ring_poll on B
              seqlock-process  the same, reader in another process (read-only)
              ring-process     the same, reader in another process (read-only)
              inmem-depth      the feed's own per-message path (feed.c) on core A over recorded
                               frames in memory (unframe, then decode + sync + book + book_write +
                               publish + counters): the depth diffs after the snapshot, ~30 levels
                               each; fails unless every diff was applied or older than the snapshot
              inmem-mix        the same over every frame of the file (diffs, trades, bookTickers)
              inmem-baseline   (by name only) both feeds beside a library baseline on the same frames:
                               simdjson ondemand + std::map, the same sync rules and bookTicker
                               checks; alternating rounds, msgs/s of each and the feed's ratio
              hmac-oneshot     floor: OpenSSL's one-shot HMAC-SHA256 of a signed order payload
              order-encode     the order gateway's encoder on core A: a command claimed -> the
                               signed order.place bytes ready for the socket, beside hmac-oneshot
                               of the same payload in the same loop; fails if a signature does
                               not verify
            `memcpy` selects both copies, `inmem` both feeds, `all` everything (the default).

            The in-memory feeds replay --data (hftbacktest BTCUSDT spot, gzip read through
            `gzip -dc`), about --iterations messages with a clock read each, as many passes
            again for msgs/s on one core, and judge both against memcpy of the same frames
            measured in the same call; --warmup does not apply (one untimed pass first).

            Both sides busy-spin on pinned cores. The writer waits for the
            reader's acknowledgement before the next round: no queueing. Each
            cross-core scenario is bracketed by a short pingpong on the same
            cores; its ratios are against that floor.
            """ + LoopbackScenario.help
    )

    @Flag(help: "One JSON object per line per scenario instead of the table.")
    var json = false

    @Option(help: ArgumentHelp("Two different cores: writer/initiator on A, reader on B.", valueName: "A,B"))
    var cores: String?

    @Option(help: "Timed rounds per scenario.")
    var iterations: Int = 200_000

    @Option(help: "Untimed rounds before the timed ones.")
    var warmup: Int = 20_000

    @Option(help: ArgumentHelp("Recorded Binance frames for the inmem scenarios (.gz or text).", valueName: "path"))
    var data: String = FeedData.defaultPath

    @Option(
        parsing: .upToNextOption,
        help: ArgumentHelp("Scenarios to run (repeatable, comma-separated too); default all.", valueName: "name"))
    var scenario: [String] = []

    @OptionGroup var loopback: LoopbackOptions

    static let maxIterations = 50_000_000

    func validate() throws {
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1") }
        guard iterations <= Self.maxIterations else {
            throw ValidationError("--iterations must be at most \(Self.maxIterations)")
        }
        guard warmup >= 0, warmup <= Self.maxIterations else {
            throw ValidationError("--warmup must be between 0 and \(Self.maxIterations)")
        }
        _ = try selectedScenarios()
        if let cores { _ = try parseCores(cores) }
    }

    /// The chosen scenarios plus the floors they need, in run order.
    func selectedScenarios() throws -> [Scenario] {
        let names = scenario.flatMap { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
            .filter { !$0.isEmpty }
        var chosen = Set<Scenario>()
        for name in names {
            if LoopbackScenario.accepts(name) || name == OrderRoundTrip.name || name == AccountPath.name || name == StrategyPath.name
                || name == InMemoryBaseline.name
            {
                continue
            }
            guard let scenarios = Scenario.parse(name) else {
                throw ValidationError("unknown scenario '\(name)'; available: \(Scenario.acceptedNames)")
            }
            chosen.formUnion(scenarios)
        }
        if names.isEmpty { chosen = Set(Scenario.allCases) }
        for s in chosen {
            if let floor = s.floor { chosen.insert(floor) }
            if let copy = s.copyFloor { chosen.insert(copy) }
        }
        return Scenario.allCases.filter(chosen.contains)
    }

    private func parseCores(_ text: String) throws -> (Int32, Int32) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { Int32($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let a = parts[0], let b = parts[1], a >= 0, b >= 0 else {
            throw ValidationError("--cores expects two core numbers such as 0,1 (got '\(text)')")
        }
        guard a != b else { throw ValidationError("--cores needs two different cores (got '\(text)')") }
        return (a, b)
    }

    /// The two cores, checked against this process's allowed set (exit 2 when unusable).
    private func chooseCores(needTwo: Bool) throws -> (Int32, Int32) {
        let usable = Machine.allowedCores()
        let usableText = usable.isEmpty ? "none" : usable.map(String.init).joined(separator: ",")
        if let cores {
            let (a, b) = try parseCores(cores)
            let refused = [a, b].filter { tw_cpu_allowed($0) == 0 }
            if !refused.isEmpty {
                let list = refused.map(String.init).joined(separator: ",")
                let noun = refused.count == 1 ? "core \(list) is" : "cores \(list) are"
                throw fail("\(noun) not usable here; usable cores: \(usableText)", code: 2)
            }
            return (a, b)
        }
        guard let a = usable.first else { throw fail("no usable cores", code: 2) }
        if usable.count < 2 {
            if needTwo {
                throw fail("the cross-core scenarios need two usable cores; usable cores: \(usableText)", code: 2)
            }
            return (a, a)
        }
        return (a, usable[1])
    }

    /// The recorded file when an in-memory scenario runs. Asked for by name, a missing file is an
    /// error; as part of `all`, those scenarios are skipped with a warning.
    private func loadFeed(_ scenarios: inout [Scenario]) throws -> FeedData? {
        guard scenarios.contains(where: \.isInMemory) else { return nil }
        do {
            return try FeedData.load(path: data)
        } catch {
            let named = scenario.contains { $0.contains("inmem") }
            if named { throw fail(error.message, code: 2) }
            warn("skipping inmem-depth, inmem-mix: \(error.message)")
            scenarios.removeAll(where: \.isInMemory)
            return nil
        }
    }

    func run() throws {
        var scenarios = try selectedScenarios()
        let feed = try loadFeed(&scenarios)
        let needTwo = scenarios.contains(where: \.crossCore) || !loopbackScenarios.isEmpty || orderRoundTrip
        let (cpuA, cpuB) = try chooseCores(needTwo: needTwo)
        tw_bench_install_signal_cleanup()

        let instance = "bench-\(getpid())"
        let clockReadNs = tw_bench_clock_cost()
        let warmup = UInt64(warmup), iterations = UInt64(iterations)
        if !json && !scenarios.isEmpty {
            let cores = needTwo ? [cpuA, cpuB] : [cpuA]
            print(Table.header(cores: cores, iterations: iterations, warmup: warmup, clockReadNs: clockReadNs,
                               load: Machine.loadAverage1m()))
        }

        var done: [Scenario: Summary] = [:]
        var inMemory: [Scenario: InMemoryResult] = [:]
        var encodeFloors: [Scenario: [UInt64]] = [:]
        var encodeNotes: [Scenario: String] = [:]
        var failures = 0
        /// Runs one scenario; nil when it failed (reported on stderr).
        func measure(_ scenario: Scenario, iterations: UInt64, warmup: UInt64, label: String) -> Summary? {
            let cores = scenario.crossCore ? [cpuA, cpuB] : [cpuA]
            let load = Machine.loadAverage1m()
            let stealBefore = Machine.stealMilliseconds(cpus: cores)
            do {
                let result = try runScenario(
                    scenario, cpuA: cpuA, cpuB: cpuB, warmup: warmup, iterations: iterations, instance: instance,
                    feed: feed)
                inMemory[scenario] = result.inMemory
                encodeFloors[scenario] = result.encodeFloor
                encodeNotes[scenario] = result.encodeNote
                let stealAfter = Machine.stealMilliseconds(cpus: cores)
                let steal = stealBefore.flatMap { before in stealAfter.map { $0 - before } }
                return Summary(
                    scenario: scenario, result: result, cores: cores, warmup: warmup, loadAverage1m: load,
                    stealMilliseconds: steal)
            } catch {
                warn("\(label): \(error.message)")
                failures += 1
                return nil
            }
        }

        // Each cross-core scenario is bracketed by a short pingpong on the same cores: on a VM the
        // hypervisor moves vCPUs (this floor was seen to jump 3x within one run), and a ratio only
        // means something against the floor of the same moment.
        let bracketIterations = max(iterations / 4, 1), bracketWarmup = warmup / 4
        for scenario in scenarios {
            var before: Summary?, after: Summary?
            if scenario.floor == .pingpong {
                before = measure(.pingpong, iterations: bracketIterations, warmup: bracketWarmup,
                                 label: "\(scenario.name) (floor before)")
            }
            guard let summary = measure(scenario, iterations: iterations, warmup: warmup, label: scenario.name) else {
                continue
            }
            if scenario.floor == .pingpong {
                after = measure(.pingpong, iterations: bracketIterations, warmup: bracketWarmup,
                                label: "\(scenario.name) (floor after)")
            }
            done[scenario] = summary
            var floor: Summary?
            if let before, let after { floor = before.merged(with: after) }
            if scenario.floor == .hmacOneShot, let samples = encodeFloors[scenario] {  // same loop, same payloads
                floor = Summary(
                    scenario: .hmacOneShot,
                    result: RunResult(samples: samples, voluntarySwitches: 0, involuntarySwitches: 0, clamped: 0),
                    cores: summary.cores, warmup: 0, loadAverage1m: nil, stealMilliseconds: nil)
            }
            var copyFloor = scenario.copyFloor.flatMap { done[$0] }
            let feedResult = inMemory[scenario]
            if let feedResult {  // its floor was measured in the same call: memcpy of each frame
                copyFloor = Summary(
                    scenario: scenario,
                    result: RunResult(samples: feedResult.floorSamples, voluntarySwitches: 0, involuntarySwitches: 0,
                                      clamped: 0),
                    cores: summary.cores, warmup: 0, loadAverage1m: nil, stealMilliseconds: nil)
            }
            let judged = Judged(
                summary: summary, floor: floor, floorBefore: before, floorAfter: after, copyFloor: copyFloor)
            if judged.floorMoved == true, let before, let after {
                warn("\(scenario.name): the floor moved during the scenario (pingpong p50 \(before.p50) ns before, "
                    + "\(after.p50) ns after; vCPUs moved?): judge its ratios with care")
            }
            var line = json ? jsonLine(judged, clockReadNs: clockReadNs, batch: Scenario.memcpyBatch) : Table.line(judged)
            if !json, let note = encodeNotes[scenario] { line += "\n" + note }
            if let feedResult {
                line += json ? "" : "\n" + feedResult.line(scenario)
                if json { line = String(line.dropLast()) + "," + String(JSON.object(feedResult.json).dropFirst()) }
            }
            print(line)
            fflush(nil)  // each line as soon as it is measured, also into a pipe
        }
        if !json && !scenarios.isEmpty { print(Table.legend(scenarios)) }
        failures += LoopbackScenario.run(
            loopbackScenarios, options: loopback, cpuA: cpuA, cpuB: cpuB, json: json, clockReadNs: clockReadNs,
            instance: instance)
        if orderRoundTrip {
            do {
                let result = try OrderRoundTrip.measure(
                    count: min(Int(iterations), 2000), cpuA: cpuA, cpuB: cpuB, instance: instance + "-ort")
                OrderRoundTrip.report(result, json: json)
            } catch {
                warn("\(OrderRoundTrip.name): \((error as? ScenarioError)?.message ?? "\(error)")")
                failures += 1
            }
        }
        if named(AccountPath.name) {
            do {
                let result = try AccountPath.measure(count: min(Int(iterations), 2000), instance: instance + "-acc")
                AccountPath.report(result, json: json)
            } catch {
                warn("\(AccountPath.name): \((error as? ScenarioError)?.message ?? "\(error)")")
                failures += 1
            }
        }
        if named(InMemoryBaseline.name) {
            do {
                guard let data = try? FeedData.load(path: data) else {
                    throw ScenarioError(message: "no recorded data at \(data)")
                }
                let load = Machine.loadAverage1m()
                let result = try InMemoryBaseline.measure(feed: data, cpu: cpuA, instance: instance + "-base")
                InMemoryBaseline.report(result, json: json, load: load)
            } catch {
                warn("\(InMemoryBaseline.name): \((error as? ScenarioError)?.message ?? "\(error)")")
                failures += 1
            }
        }
        if named(StrategyPath.name) {
            do {
                let result = try StrategyPath.measure(count: min(Int(iterations), 5000), instance: instance + "-str", data: data)
                StrategyPath.report(result, json: json)
            } catch {
                warn("\(StrategyPath.name): \((error as? ScenarioError)?.message ?? "\(error)")")
                failures += 1
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }

    /// Whether a scenario that `all` leaves out was asked for by name.
    func named(_ wanted: String) -> Bool {
        scenario.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            .contains(wanted)
    }

    /// Whether `order-roundtrip` was asked for by name (it starts a sim; `all` leaves it out).
    var orderRoundTrip: Bool {
        scenario.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            .contains(OrderRoundTrip.name)
    }
}

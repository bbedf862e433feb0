import ArgumentParser
import EngineKit
import EngineModel
import ExchangeSim
import Foundation
import Trading
import MarketData

/// `engine start`'s settings after merging flags over the config file over the defaults, all
/// checked before anything is created: a bad one exits 2 with one clear line.
struct StartSettings {
    var instance: String
    var venue: String
    var symbols: [String]
    var cores: CoreSet?
    var depth: UInt32
    var ringSlots: UInt32
    var duration: Double?
    var keepSegments: Bool
    // Network venues.
    var wsURL: String?
    var restURL: String?
    var caFile: String?
    var verify: Bool
    var simTLS: Bool
    /// An `engine sim` started elsewhere (--venue sim only).
    var simURL: String?
    var feed: MarketFeedConfig
    var snapshotLimit: Int
    // Orders.
    var trading: TradingSettings
    // Account: recorder, reconciliation, alerts.
    var account: AccountSettings
    // The sim's USD-M symbols run beside the spot ones (`--futures-symbols`).
    var futuresSymbols: [String]
    /// The control plane; nil with --no-control (and for the synthetic venue, which has no service group).
    var control: ControlOptions?
    // Strategies, their aggregation and risk limits; the config file they are reloaded from.
    var strategy: StrategySettings
    var configPath: String?
    // Synthetic venue, and the sim's liquidity.
    var rate: UInt32
    var seed: UInt64

    static let venues = ["sim", "binance", "binance-futures", "synthetic"]
    static let defaultSymbols = ["BTCUSDT", "ETHUSDT", "SOLUSDT"]

    init(flags: Start, file: EngineConfigFile) throws {
        let f = file.feed ?? .init()
        instance = flags.instance ?? file.instance ?? "default"
        do { try EngineInstance.validate(name: instance) } catch { throw fail(error.description, code: 2) }
        venue = (flags.venue ?? file.venue ?? "sim").lowercased()
        guard Self.venues.contains(venue) else {
            throw fail("unknown venue '\(venue)'; available: \(Self.venues.joined(separator: ", "))", code: 2)
        }
        let symbolList = flags.symbols.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let names = (symbolList ?? file.symbols ?? Self.defaultSymbols).map {
            $0.trimmingCharacters(in: .whitespaces).uppercased()
        }
        guard !names.isEmpty, !names.contains(where: \.isEmpty) else { throw fail("--symbols has an empty name", code: 2) }
        if let twice = names.first(where: { s in names.filter { $0 == s }.count > 1 }) {
            throw fail("symbol '\(twice)' given twice", code: 2)
        }
        symbols = names
        if let text = flags.cores ?? file.cores {
            do {
                let set = try CoreSet(parsing: text)
                try set.validate()
                cores = set
            } catch { throw fail(error.description, code: 2) }
        }
        depth = flags.depth ?? file.depth ?? 20
        guard (1...1000).contains(depth) else { throw fail("--depth must be 1...1000", code: 2) }
        ringSlots = flags.ringSlots ?? file.ringSlots ?? 65536
        guard ringSlots >= 64, ringSlots & (ringSlots - 1) == 0, ringSlots <= 1 << 24 else {
            throw fail("--ring-slots must be a power of two from 64 to 16777216", code: 2)
        }
        duration = flags.duration ?? file.duration
        if let duration, !(duration > 0 && duration.isFinite) {
            throw fail("--duration must be a positive number of seconds", code: 2)
        }
        keepSegments = flags.keepSegments
        control = try ControlOptions.resolve(address: flags.control, disabled: flags.noControl, tokenFile: flags.controlTokenFile)
        wsURL = flags.wsURL ?? f.wsUrl
        restURL = flags.restURL ?? f.restUrl
        caFile = flags.caFile ?? f.caFile
        verify = flags.insecure ? false : (f.verify ?? true)
        simTLS = flags.simTLS || (file.sim?.tls ?? false)
        simURL = flags.simURL ?? file.sim?.url
        if simURL != nil && venue != "sim" { throw fail("--sim-url applies to --venue sim only", code: 2) }
        if simURL != nil && simTLS { throw fail("--sim-tls starts a sim here; with --sim-url the URL's scheme says", code: 2) }
        rate = flags.rate ?? file.synthetic?.rate ?? 1000
        seed = flags.seed ?? file.synthetic?.seed ?? file.sim?.seed ?? 1
        if venue != "synthetic" && flags.rate != nil {
            throw fail("--rate applies to --venue synthetic only", code: 2)
        }
        snapshotLimit = f.snapshotLimit ?? 1000
        guard (5...5000).contains(snapshotLimit) else { throw fail("feed.snapshot_limit must be 5...5000", code: 2) }
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw fail("--ca-file \(caFile) is not a readable file", code: 2)
        }
        if venue == "synthetic" || venue == "sim" {
            if wsURL != nil || restURL != nil {
                throw fail("--ws-url/--rest-url apply to binance and binance-futures, not to --venue \(venue)", code: 2)
            }
        }
        var feed = MarketFeedConfig(host: "127.0.0.1", port: 0)
        feed.core = cores?.cores.first
        let waitName = flags.wait ?? f.wait ?? "block"
        guard let wait = FeedWait(rawValue: waitName) else {
            throw fail("--wait must be block or spin, not '\(waitName)'", code: 2)
        }
        feed.wait = wait
        if wait == .spin && cores == nil {
            throw fail("--wait spin needs --cores: a spinning feed thread must own a core", code: 2)
        }
        feed.symbolsPerConnection = f.symbolsPerConnection ?? 16
        guard feed.symbolsPerConnection >= 1 else { throw fail("feed.symbols_per_connection must be at least 1", code: 2) }
        feed.depthIntervalMillis = f.depthIntervalMs ?? 100
        // The venues' diff-depth streams: spot @depth@100ms and @depth (1000 ms); USD-M @depth@0ms
        // (unthrottled), @100ms, @250ms (@depth) and @500ms.
        let intervals: [UInt32] = venue == "binance-futures" ? [0, 100, 250, 500] : [100, 1000]
        guard intervals.contains(feed.depthIntervalMillis) else {
            throw fail("feed.depth_interval_ms must be one of \(intervals.map(String.init).joined(separator: ", "))", code: 2)
        }
        feed.trade = f.trades ?? (venue != "binance-futures")
        feed.aggTrade = f.aggTrades ?? (venue == "binance-futures")
        feed.reconnectBaseMillis = f.reconnectBaseMs ?? 1000
        feed.reconnectMaxMillis = f.reconnectMaxMs ?? 60_000
        feed.reconnectAttempts = f.reconnectAttempts ?? 0
        feed.heartbeatMillis = f.heartbeatMs ?? 30_000
        feed.staleIntervals = f.staleIntervals ?? 50
        guard feed.reconnectBaseMillis >= 1, feed.reconnectMaxMillis >= feed.reconnectBaseMillis else {
            throw fail("feed.reconnect_base_ms must be at least 1 and at most feed.reconnect_max_ms", code: 2)
        }
        guard feed.heartbeatMillis >= 100 else { throw fail("feed.heartbeat_ms must be at least 100", code: 2) }
        feed.seed = seed
        self.feed = feed
        trading = try TradingSettings(flags: flags, file: file.trading ?? .init(), venue: venue, cores: cores)
        account = try AccountSettings(flags: flags, file: file.account ?? .init(), instance: instance)
        strategy = file.strategy
        configPath = flags.config
        futuresSymbols = (flags.futuresSymbols.map { $0.split(separator: ",").map(String.init) } ?? file.futuresSymbols ?? [])
            .map { $0.uppercased() }
        if !futuresSymbols.isEmpty {
            guard venue == "sim" else {
                throw fail("--futures-symbols runs the sim's USD-M market beside its spot one: --venue sim only", code: 2)
            }
            guard trading.mode == .live || trading.mode == .off else {
                throw fail("--futures-symbols runs with --mode live (the sim's order entry) or off", code: 2)
            }
            for symbol in futuresSymbols where !FuturesConfiguration.builtIn.contains(where: { $0.symbol == symbol }) {
                throw fail(
                    "unknown USD-M symbol '\(symbol)' for the sim; known: \(FuturesConfiguration.builtIn.map(\.symbol).joined(separator: ","))",
                    code: 2)
            }
        }
        if let orderSize = flags.orderSize, flags.strategy == nil {
            throw fail("--order-size \(orderSize) applies to --strategy", code: 2)
        }
        if let types = flags.strategy {
            strategy.strategies += try StrategySettings.fromFlags(types, symbols: symbols, orderSize: flags.orderSize)
        }
        if !strategy.strategies.isEmpty && trading.mode == .off {
            throw fail("strategies need an order path: --mode live, simulation or observation, not off", code: 2)
        }
    }

    /// The endpoints of an `engine sim` started elsewhere: REST at the URL, streams at /stream,
    /// the WebSocket API at /ws-api/v3, over TLS when the URL is https (trusting --ca-file).
    func simTarget(url: String) throws -> FeedTarget {
        do {
            let rest = try RESTEndpoint(parsing: url)
            guard let parts = URLComponents(string: rest.base), let host = parts.host, parts.path.isEmpty else {
                throw fail("--sim-url must be http[s]://HOST:PORT with no path, not '\(url)'", code: 2)
            }
            let port = parts.port ?? (rest.tls ? 443 : 80)
            let ws = try WebSocketEndpoint(parsing: "\(rest.tls ? "wss" : "ws")://\(host):\(port)/stream")
            return FeedTarget(venue: .sim, webSocket: ws, rest: rest, caFile: caFile, verify: verify, snapshotLimit: snapshotLimit)
        } catch let error as EndpointError { throw fail("--sim-url: \(error)", code: 2) }
    }

    /// The settings and endpoints of the sim's USD-M market run beside the spot one: instance
    /// `<instance>-usdm`, the futures streams and WebSocket API of the same sim, its test key, a
    /// recorder file of its own; the strategies and their limits belong to the spot instance's
    /// runner, which sees both.
    func futuresStack(spot: FeedTarget) throws -> (StartSettings, FeedTarget) {
        var f = self
        f.venue = "binance-futures"
        f.instance = instance + "-usdm"
        f.symbols = futuresSymbols
        f.feed.trade = false
        f.feed.aggTrade = true
        f.feed.core = nil
        f.cores = nil
        f.strategy = StrategySettings()
        f.futuresSymbols = []
        let ws = spot.webSocket
        let scheme = ws.tls ? "wss" : "ws"
        f.trading.wsAPIURL = "\(scheme)://\(ws.host):\(ws.port)/ws-fapi/v1"
        f.trading.credentials = Credentials(
            apiKey: ExchangeSimServer.Configuration.defaultAPIKey, apiSecret: ExchangeSimServer.Configuration.defaultAPISecret,
            source: "the sim's test key")
        f.trading.core = nil
        if let path = account.recorderPath {
            f.account.recorderPath =
                RecorderLocation.isPostgres(path) ? nil : (path.hasSuffix(".sqlite") ? String(path.dropLast(7)) : path) + "-usdm.sqlite"
        }
        do {
            let target = FeedTarget(
                venue: .binanceFutures, webSocket: try WebSocketEndpoint(parsing: "\(scheme)://\(ws.host):\(ws.port)/fstream/stream"),
                rest: spot.rest, caFile: spot.caFile, verify: spot.verify, snapshotLimit: snapshotLimit)
            return (f, target)
        } catch { throw fail("futures endpoints: \(error)") }
    }

    /// The endpoints of a real venue (flags or defaults), checked.
    func target(for kind: VenueKind) throws -> FeedTarget {
        do {
            let ws = try WebSocketEndpoint(parsing: wsURL ?? kind.defaultWebSocketURL!)
            let rest = try RESTEndpoint(parsing: restURL ?? kind.defaultRESTURL!)
            return FeedTarget(
                venue: kind, webSocket: ws, rest: rest, caFile: caFile, verify: verify, snapshotLimit: snapshotLimit)
        } catch { throw fail(error.description, code: 2) }
    }
}

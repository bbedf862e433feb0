import Foundation

/// `engine start --config FILE`: every start setting in one JSON file; flags given on the
/// command line win over it.
///
/// ```json
/// {
///   "venue": "binance", "symbols": ["BTCUSDT", "ETHUSDT"], "cores": "2,3", "depth": 20,
///   "feed": { "ws_url": "wss://stream.binance.com:9443/stream", "rest_url": "https://api.binance.com",
///             "ca_file": null, "verify": true, "wait": "block", "symbols_per_connection": 16,
///             "depth_interval_ms": 100, "trades": true, "agg_trades": false, "snapshot_limit": 1000,
///             "reconnect_base_ms": 1000, "reconnect_max_ms": 60000, "reconnect_attempts": 0,
///             "heartbeat_ms": 30000, "stale_intervals": 50 },
///   "sim": { "tls": false, "seed": 1 },
///   "account": { "recorder": "/var/lib/tickwire/default.sqlite", "reconcile_interval_ms": 5000,
///                "mismatch_threshold_percent": 5, "weight_budget_per_minute": 600,
///                "alerts": { "max_daily_drawdown": "500", "max_position_notional": "100000",
///                            "max_total_exposure": "250000", "liquidation_proximity_bps": 1000 } }
/// }
/// ```
/// Unknown keys are errors (a misspelt setting must not be silently ignored).
struct EngineConfigFile: Decodable, Equatable {
    var instance: String?
    var venue: String?
    var symbols: [String]?
    var cores: String?
    var depth: UInt32?
    var ringSlots: UInt32?
    var duration: Double?
    var feed: Feed?
    var sim: Sim?
    var synthetic: Synthetic?
    var trading: Trading?
    var account: Account?
    var futuresSymbols: [String]?
    /// `strategies`, `aggregation` and `risk` (read by `StrategySettings`, also on reload).
    var strategy = StrategySettings()

    enum CodingKeys: String, CodingKey {
        case instance, venue, symbols, cores, depth, ringSlots, duration, feed, sim, synthetic, trading, account, futuresSymbols
    }

    struct Account: Decodable, Equatable {
        var recorder: String?
        var reconcileIntervalMs: Int?
        var mismatchThresholdPercent: Double?
        var weightBudgetPerMinute: Int?
        var alerts: Alerts?

        struct Alerts: Decodable, Equatable {
            var maxDailyDrawdown: String?
            var maxPositionNotional: String?
            var maxTotalExposure: String?
            var liquidationProximityBps: Int?

            static let keys: Set<String> = [
                "max_daily_drawdown", "max_position_notional", "max_total_exposure", "liquidation_proximity_bps",
            ]
        }

        static let keys: Set<String> = [
            "recorder", "reconcile_interval_ms", "mismatch_threshold_percent", "weight_budget_per_minute", "alerts",
        ]
    }

    struct Trading: Decodable, Equatable {
        var mode: String?
        var credentials: String?
        var wsApiUrl: String?
        var priceBandPercent: Double?
        var requestTimeoutMs: UInt32?
        var maxOrdersPerSecond: Int?
        var cancelOnExit: Bool?

        static let keys: Set<String> = [
            "mode", "credentials", "ws_api_url", "price_band_percent", "request_timeout_ms", "max_orders_per_second",
            "cancel_on_exit",
        ]
    }

    struct Feed: Decodable, Equatable {
        var wsUrl: String?
        var restUrl: String?
        var caFile: String?
        var verify: Bool?
        var wait: String?
        var symbolsPerConnection: UInt32?
        var depthIntervalMs: UInt32?
        var trades: Bool?
        var aggTrades: Bool?
        var snapshotLimit: Int?
        var reconnectBaseMs: UInt32?
        var reconnectMaxMs: UInt32?
        var reconnectAttempts: UInt32?
        var heartbeatMs: UInt32?
        var staleIntervals: UInt32?

        static let keys: Set<String> = [
            "ws_url", "rest_url", "ca_file", "verify", "wait", "symbols_per_connection", "depth_interval_ms", "trades",
            "agg_trades", "snapshot_limit", "reconnect_base_ms", "reconnect_max_ms", "reconnect_attempts",
            "heartbeat_ms", "stale_intervals",
        ]
    }

    struct Sim: Decodable, Equatable {
        var tls: Bool?
        var seed: UInt64?
        var replay: String?
        var speed: String?
        var faults: [String]?
        var url: String?

        static let keys: Set<String> = ["tls", "seed", "replay", "speed", "faults", "url"]
    }

    struct Synthetic: Decodable, Equatable {
        var rate: UInt32?
        var seed: UInt64?

        static let keys: Set<String> = ["rate", "seed"]
    }

    static let keys: Set<String> = [
        "instance", "venue", "symbols", "cores", "depth", "ring_slots", "duration", "feed", "sim", "synthetic",
        "trading", "account", "strategies", "aggregation", "risk", "futures_symbols",
    ]

    /// Reads and checks a file; errors name the file and the problem in one line.
    static func load(path: String) throws -> EngineConfigFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigFileError("cannot read config file \(path)")
        }
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data) } catch {
            throw ConfigFileError("config file \(path) is not valid JSON: \(error.localizedDescription)")
        }
        guard let object = root as? [String: Any] else { throw ConfigFileError("config file \(path): expected an object") }
        try checkKeys(object, allowed: keys, at: "", path: path)
        for (section, allowed) in [("feed", Feed.keys), ("sim", Sim.keys), ("synthetic", Synthetic.keys), ("trading", Trading.keys), ("account", Account.keys)] {
            if let inner = object[section] as? [String: Any] {
                try checkKeys(inner, allowed: allowed, at: section + ".", path: path)
            }
        }
        if let alerts = (object["account"] as? [String: Any])?["alerts"] as? [String: Any] {
            try checkKeys(alerts, allowed: Account.Alerts.keys, at: "account.alerts.", path: path)
        }
        let strategy = try StrategySettings.parse(object, where: "config file \(path)")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            var file = try decoder.decode(EngineConfigFile.self, from: data)
            file.strategy = strategy
            return file
        } catch let DecodingError.typeMismatch(type, context) {
            throw ConfigFileError("config file \(path): \(keyPath(context)) should be \(type)")
        } catch let DecodingError.dataCorrupted(context) {
            // Foundation reports a number that does not fit its field (-1 for a count) as "not valid
            // JSON" with no path: name the setting from the parsed file instead.
            if context.codingPath.isEmpty, let bad = badWholeNumber(in: object) {
                throw ConfigFileError("config file \(path): \(bad.key) must be a whole number from 0 up, not \(bad.value)")
            }
            throw ConfigFileError("config file \(path): \(keyPath(context)): \(context.debugDescription)")
        } catch {
            throw ConfigFileError("config file \(path): \(error)")
        }
    }

    private static func checkKeys(_ object: [String: Any], allowed: Set<String>, at prefix: String, path: String) throws {
        let unknown = object.keys.filter { !allowed.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw ConfigFileError(
                "config file \(path): unknown setting \(unknown.map { prefix + $0 }.joined(separator: ", ")); known: \(allowed.sorted().map { prefix + $0 }.joined(separator: ", "))")
        }
    }

    /// The setting's name as the file spells it (the decoder's keys are camel case).
    private static func keyPath(_ context: DecodingError.Context) -> String {
        context.codingPath.map { key in
            key.stringValue.reduce(into: "") { out, c in
                if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) }
            }
        }.joined(separator: ".")
    }

    /// The first negative or fractional number among the sections whose numbers are all whole counts,
    /// sizes, ids or durations (feed, sim, synthetic).
    private static func badWholeNumber(in object: [String: Any]) -> (key: String, value: String)? {
        for section in ["feed", "sim", "synthetic"] {
            guard let inner = object[section] as? [String: Any] else { continue }
            for key in inner.keys.sorted() {
                guard let number = inner[key] as? NSNumber else { continue }  // true and false are 1 and 0: never flagged
                let value = number.doubleValue
                if value < 0 || value != value.rounded() { return ("\(section).\(key)", "\(number)") }
            }
        }
        return nil
    }
}

/// A config file problem, said in one line.
struct ConfigFileError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

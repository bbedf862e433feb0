import Foundation
import ServiceLifecycle
import Synchronization

/// Samples the engine for everything the control plane shows, once per period for all clients
/// (seed 002 FR-DS-001: the aggregated state cached in memory): the metrics registry, /health,
/// the PnL history and the dashboard's sections. Clients read the cache; none reads the engine.
public final class StateHub: Sendable {
    /// The dashboard's sections at one moment, each compared on its own so a client is sent only
    /// what changed since it was last sent anything.
    public struct View: Sendable {
        public var seq: UInt64 = 0
        public var nowNs: Int64 = 0
        public var positions: JSONValue = .array([])
        public var orders: JSONValue = .array([])
        public var books: [String: JSONValue] = [:]
        public var pnl: JSONValue = .null
        public var health: JSONValue = .null
        public var strategies: JSONValue = .null
        public var alerts: [JSONValue] = []
    }

    let source: any ControlSource
    let metrics: ControlMetrics
    let settings: ControlSettings
    private struct State {
        var view = View()
        var sample = EngineSample()
        /// (ns, error total) once a second over the last minute.
        var errorWindow: [(ns: Int64, errors: UInt64)] = []
        /// (ns, total PnL) once a second, the last 10 minutes.
        var pnlHistory: [JSONValue] = []
        var lastPnlPointNs: Int64 = 0
    }
    private let state = Mutex(State())
    /// Dashboard clients connected: the books and orders are read only while someone watches.
    let watchers = Atomic<Int>(0)

    public init(source: any ControlSource, metrics: ControlMetrics, settings: ControlSettings) {
        self.source = source
        self.metrics = metrics
        self.settings = settings
    }

    /// The latest dashboard view.
    public var view: View { state.withLock { $0.view } }

    /// The latest sample.
    public var sample: EngineSample { state.withLock { $0.sample } }

    /// The PnL points kept for the chart: [{"t": ns, "total": "decimal"}].
    public var pnlHistory: [JSONValue] { state.withLock { $0.pnlHistory } }

    /// Samples now (the service calls it every period; tests may call it directly).
    public func refresh() {
        let sample = source.sample()
        metrics.update(sample)
        let watched = watchers.load(ordering: .relaxed) > 0
        var view = View(nowNs: sample.nowNs)
        if watched {
            view.orders = .array(source.orders(openOnly: true))
            for symbol in source.symbols {
                view.books[symbol] = source.book(symbol: symbol, depth: settings.dashboardDepth) ?? .null
            }
            view.strategies = source.strategies() ?? .null
            view.alerts = source.alerts(limit: 50)
        }
        if let account = source.account {
            let snapshot = account.store.snapshot
            view.positions = .array(
                snapshot.positions.keys.sorted().compactMap { key -> JSONValue? in
                    let p = snapshot.positions[key]!
                    return p.size.mantissa == 0 && p.realizedPnl == .zero ? nil : AccountShapes.position(p)
                })
            view.pnl = AccountShapes.pnl(snapshot.pnl)
        }
        state.withLock { s in
            let errors = sample.feeds.reduce(0) { $0 + $1.errors }
            if s.errorWindow.last.map({ sample.nowNs - $0.ns >= 1_000_000_000 }) ?? true {
                s.errorWindow.append((sample.nowNs, errors))
                s.errorWindow.removeAll { sample.nowNs - $0.ns > 61_000_000_000 }
            }
            let lastMinute = s.errorWindow.first.map { errors >= $0.errors ? errors - $0.errors : errors } ?? 0
            view.health = Self.health(sample, errorsLastMinute: lastMinute)
            if let total = view.pnl["total_pnl"], sample.nowNs - s.lastPnlPointNs >= 1_000_000_000 {
                s.lastPnlPointNs = sample.nowNs
                s.pnlHistory.append(["t": .int(sample.nowNs), "total": total])
                if s.pnlHistory.count > 600 { s.pnlHistory.removeFirst(s.pnlHistory.count - 600) }
            }
            view.seq = s.view.seq + 1
            s.view = view
            s.sample = sample
        }
    }

    /// GET /health in seed 002's shape: healthy when the engine is live and every symbol's book
    /// is live, degraded when some are not (or the kill switch is thrown), unhealthy when the
    /// engine is not live or no symbol is.
    static func health(_ s: EngineSample, errorsLastMinute: UInt64) -> JSONValue {
        var connections: [String: JSONValue] = [:]
        for f in s.feeds {
            let word = f.state == "live" ? "connected" : f.connected ? f.state : "disconnected"
            connections[f.feedKey] = .string(word)
        }
        let live = s.feeds.filter { $0.state == "live" }.count
        let status: String =
            s.state != "live" || live == 0
            ? "unhealthy" : live < s.feeds.count || s.killSwitch != "normal" ? "degraded" : "healthy"
        return [
            "status": .string(status), "connections": .object(connections),
            "uptime_seconds": .int(max(0, (s.nowNs - s.startedNs) / 1_000_000_000)),
            "errors_last_minute": .int(Int64(errorsLastMinute)), "state": .string(s.state),
            "kill_switch": .string(s.killSwitch),
            "symbols": .array(
                s.feeds.map { f in
                    [
                        "symbol": .string(f.symbol), "venue": .string(f.venue), "state": .string(f.state),
                        "connected": .bool(f.connected),
                        "last_update_age_ms": f.lastUpdateAgeMs.map { .double(($0 * 10).rounded() / 10) } ?? .null,
                        "messages": .int(Int64(f.messages)), "gaps": .int(Int64(f.gaps)),
                        "resyncs": .int(Int64(f.resyncs)), "reconnects": .int(Int64(f.reconnects)),
                        "malformed": .int(Int64(f.malformed)), "reason": .string(f.reason),
                        "reason_text": .string(f.reasonText),
                    ]
                }),
        ]
    }
}

extension FeedSample {
    /// The symbol, with its venue when it is not the first one's (spot and USD-M BTCUSDT side by side).
    var feedKey: String { venue == "binance-futures" ? "\(symbol)@usdm" : symbol }
}

/// Runs the hub's sampling until the engine shuts down.
struct HubService: Service {
    let hub: StateHub

    func run() async throws {
        let period = Duration.milliseconds(max(10, hub.settings.sampleIntervalMs))
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            hub.refresh()
            try? await Task.sleep(for: period)
        }
    }
}

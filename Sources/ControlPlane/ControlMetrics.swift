import CoreMetrics
import Foundation
import Prometheus
import Synchronization

/// GET /metrics: seed 002's metric names for the market data, execution, strategy, account and
/// dashboard components, through swift-metrics into a Prometheus registry, plus the stats
/// segment's latency histograms rendered as Prometheus histograms. The engine's counters are
/// totals in shared memory; each scrape adds what they grew by since the last one.
public final class ControlMetrics: Sendable {
    static let help: [String: String] = [
        "websocket_connected": "1 when the symbol's market-data connection is up",
        "messages_received_total": "Market-data messages received",
        "messages_processed_total": "Market-data messages applied (book updates and trades)",
        "messages_dropped_total": "Market-data messages dropped",
        "processing_latency_microseconds": "Market data: socket receive to md ring publish (stats segment)",
        "order_book_updates_total": "Book updates applied",
        "trades_processed_total": "Trades published",
        "reconnection_attempts_total": "Market-data reconnections",
        "errors_total": "Errors by kind",
        "order_requests_total": "Order commands by pre-trade result",
        "orders_submitted_total": "Orders sent to the venue",
        "orders_filled_total": "Orders completely filled",
        "orders_canceled_total": "Orders canceled",
        "order_submit_latency_milliseconds": "Order sent to the venue's acknowledgement",
        "circuit_breaker_state": "Order path circuit breaker: 0 closed, 1 open, 2 half open",
        "maker_fills_total": "Fills that provided liquidity",
        "taker_fills_total": "Fills that took liquidity",
        "strategies_active": "1 while the strategy runs",
        "signals_generated_total": "Signals a strategy emitted",
        "signals_aggregated_total": "Signals the aggregator combined into order wishes",
        "signals_rejected_by_risk": "Strategy orders refused by risk limits",
        "orders_generated_total": "Orders a strategy sent",
        "strategy_execution_latency_microseconds": "One strategy call (stats segment)",
        "strategy_errors_total": "Strategy errors by kind",
        "account_balance_usdt": "Quote-asset balance",
        "available_balance_usdt": "Quote-asset balance available",
        "total_pnl_usdt": "Total PnL",
        "realized_pnl_usdt": "Realized PnL",
        "unrealized_pnl_usdt": "Unrealized PnL",
        "daily_pnl_usdt": "PnL since 00:00 UTC",
        "position_count": "Open positions",
        "position_value_usdt": "Position notional at the mark",
        "margin_ratio": "Margin in use over equity",
        "reconciliation_mismatches_total": "Discrepancies found by reconciliation",
        "alerts_generated_total": "Alerts raised",
        "websocket_clients_connected": "Dashboard WebSocket clients",
        "messages_sent_total": "Dashboard messages sent",
        "message_send_errors_total": "Dashboard messages that could not be sent",
        "broadcast_latency_milliseconds": "Dashboard state read to sent",
        "control_stream_clients_dropped_total": "Stream clients dropped for falling behind",
    ]

    private let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusFactory
    private struct State {
        var totals: [String: UInt64] = [:]
        var histograms: [HistogramSample] = []
    }
    private let state = Mutex(State())

    public init() {
        factory = PrometheusFactory(
            registry: registry, help: Self.help,
            buckets: [
                "order_submit_latency_milliseconds": [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 1000],
                "broadcast_latency_milliseconds": [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 100],
            ])
        // Families that exist before anything happens, so a scrape always shows them.
        for type in ["tui", "web", "account"] { gauge("websocket_clients_connected", ["type": type]).record(0) }
        counter("message_send_errors_total", [:]).increment(by: 0)
        // Every alert kind and the kill switch's refusals exist at 0, so rules and panels see them.
        for severity in ["info", "warning", "error", "critical"] {
            for category in ["position", "balance", "pnl", "risk", "system"] {
                counter("alerts_generated_total", ["severity": severity, "category": category]).increment(by: 0)
            }
        }
        counter("signals_rejected_by_risk", ["reason": "kill_switch"]).increment(by: 0)
        counter("reconciliation_mismatches_total", [:]).increment(by: 0)
        counter("control_stream_clients_dropped_total", [:]).increment(by: 0)
    }

    func counter(_ name: String, _ labels: [String: String]) -> CoreMetrics.Counter {
        CoreMetrics.Counter(label: name, dimensions: labels.sorted { $0.key < $1.key }, factory: factory)
    }

    func gauge(_ name: String, _ labels: [String: String]) -> Recorder {
        Recorder(label: name, dimensions: labels.sorted { $0.key < $1.key }, aggregate: false, factory: factory)
    }

    func histogram(_ name: String, _ labels: [String: String]) -> Recorder {
        Recorder(label: name, dimensions: labels.sorted { $0.key < $1.key }, aggregate: true, factory: factory)
    }

    /// Adds what a total grew by since the last sample (all of it after an engine restart).
    func total(_ name: String, _ labels: [String: String], _ value: UInt64) {
        let key = name + labels.sorted { $0.key < $1.key }.map { "|\($0.key)=\($0.value)" }.joined()
        let last = state.withLock { s in
            defer { s.totals[key] = value }
            return s.totals[key]
        }
        let delta = last.map { value >= $0 ? value - $0 : value } ?? value
        counter(name, labels).increment(by: Int64(clamping: delta))
    }

    /// Dashboard: a client connected or left.
    func clients(_ type: String, _ count: Int) { gauge("websocket_clients_connected", ["type": type]).record(count) }
    /// Dashboard: a message sent to a client of `type`.
    func sent(_ type: String) { counter("messages_sent_total", ["type": type]).increment() }
    /// Dashboard: a send that failed.
    func sendError() { counter("message_send_errors_total", [:]).increment() }
    /// A stream client dropped for not keeping up.
    func dropped() { counter("control_stream_clients_dropped_total", [:]).increment() }
    /// Dashboard: one broadcast's latency.
    func broadcast(ms: Double) { histogram("broadcast_latency_milliseconds", [:]).record(ms) }

    /// Takes a sample into the registry.
    public func update(_ s: EngineSample) {
        for f in s.feeds {
            let sym = ["symbol": f.symbol]
            gauge("websocket_connected", sym).record(f.connected ? 1 : 0)
            total("messages_received_total", ["symbol": f.symbol, "type": "depth_and_trade"], f.messages)
            total("messages_processed_total", ["symbol": f.symbol, "type": "book_update"], f.bookUpdates)
            total("messages_processed_total", ["symbol": f.symbol, "type": "trade"], f.trades)
            total("messages_dropped_total", ["symbol": f.symbol, "reason": "malformed"], f.malformed)
            total("order_book_updates_total", sym, f.bookUpdates)
            total("trades_processed_total", sym, f.trades)
            total("reconnection_attempts_total", sym, f.reconnects)
            total("errors_total", ["symbol": f.symbol, "type": "gap"], f.gaps)
            total("errors_total", ["symbol": f.symbol, "type": "resync"], f.resyncs)
            total("errors_total", ["symbol": f.symbol, "type": "malformed"], f.malformed)
            total("errors_total", ["symbol": f.symbol, "type": "bookticker_mismatch"], f.bookTickerMismatches)
        }
        total("errors_total", ["symbol": "", "type": "gateway_malformed"], s.gatewayMalformed)
        total("order_requests_total", ["result": "success"], s.requestsAccepted)
        total("order_requests_total", ["result": "rejected"], s.requestsRejected)
        total("order_requests_total", ["result": "failed"], s.requestsFailed)
        gauge("circuit_breaker_state", ["service": "order_path"]).record(s.circuitBreaker)
        for o in s.orders {
            total("orders_submitted_total", ["symbol": o.symbol, "side": o.side], o.submitted)
            total("orders_filled_total", ["symbol": o.symbol, "side": o.side], o.filled)
            total("orders_canceled_total", ["symbol": o.symbol, "side": o.side], o.canceled)
            total("maker_fills_total", ["symbol": o.symbol, "side": o.side], o.makerFills)
            total("taker_fills_total", ["symbol": o.symbol, "side": o.side], o.takerFills)
            let latency = histogram("order_submit_latency_milliseconds", ["symbol": o.symbol])
            for ms in o.newAckLatenciesMs { latency.record(ms) }
        }
        for st in s.strategies {
            gauge("strategies_active", ["name": st.name]).record(st.running ? 1 : 0)
            total("signals_generated_total", ["strategy": st.name], st.signals)
            total("orders_generated_total", ["strategy": st.name], st.orders)
            total("strategy_errors_total", ["strategy": st.name, "type": "error"], st.errors)
            total("strategy_errors_total", ["strategy": st.name, "type": "over_budget"], st.overBudget)
        }
        for (reason, n) in s.rejectedByRisk { total("signals_rejected_by_risk", ["reason": reason], n) }
        for (symbol, n) in s.signalsAggregated { total("signals_aggregated_total", ["symbol": symbol], n) }
        if let a = s.account {
            gauge("account_balance_usdt", [:]).record(a.balance)
            gauge("available_balance_usdt", [:]).record(a.available)
            gauge("total_pnl_usdt", [:]).record(a.totalPnl)
            gauge("realized_pnl_usdt", [:]).record(a.realizedPnl)
            gauge("unrealized_pnl_usdt", [:]).record(a.unrealizedPnl)
            gauge("daily_pnl_usdt", [:]).record(a.dailyPnl)
            gauge("position_count", [:]).record(a.positionCount)
            for (symbol, value) in a.positionValue { gauge("position_value_usdt", ["symbol": symbol]).record(value) }
            gauge("margin_ratio", [:]).record(a.marginRatio ?? 0)
            total("reconciliation_mismatches_total", [:], a.reconciliationMismatches)
            for (key, n) in a.alerts {
                let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
                total("alerts_generated_total", ["severity": parts[0], "category": parts.count > 1 ? parts[1] : ""], n)
            }
        }
        state.withLock { $0.histograms = s.histograms }
    }

    /// The exposition text (Prometheus text format 0.0.4).
    public func render() -> String {
        var text = registry.emitToString()
        let histograms = state.withLock { $0.histograms }
        var described = Set<String>()
        for h in histograms {
            if described.insert(h.name).inserted {
                text += "# HELP \(h.name) \(Self.help[h.name] ?? h.name)\n# TYPE \(h.name) histogram\n"
            }
            let labels = h.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }
            func series(_ suffix: String, _ extra: [String]) -> String {
                let all = labels + extra
                return h.name + suffix + (all.isEmpty ? "" : "{" + all.joined(separator: ",") + "}")
            }
            for (bound, count) in h.buckets { text += "\(series("_bucket", ["le=\"\(bound)\""])) \(count)\n" }
            text += "\(series("_bucket", ["le=\"+Inf\""])) \(h.count)\n"
            text += "\(series("_sum", [])) \(h.sum)\n\(series("_count", [])) \(h.count)\n"
        }
        return text
    }
}

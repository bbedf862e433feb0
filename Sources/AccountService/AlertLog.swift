import Account
import Synchronization

/// The alerts the account processor raised and the reconciliation discrepancies it found, for
/// readers on other threads (the control plane's /api/alerts, /metrics and dashboard).
public final class AlertLog: Sendable {
    private struct State {
        var recent: [Alert] = []
        var counts: [String: UInt64] = [:]
        var mismatches: UInt64 = 0
    }
    private let state = Mutex(State())
    /// Alerts kept, newest last.
    public let capacity: Int

    public init(capacity: Int = AlertMonitor.recentCapacity) { self.capacity = capacity }

    /// Records an alert (processor thread).
    func record(_ alert: Alert) {
        state.withLock { s in
            s.recent.append(alert)
            if s.recent.count > capacity { s.recent.removeFirst(s.recent.count - capacity) }
            s.counts["\(alert.severity.rawValue)/\(alert.category.rawValue)", default: 0] += 1
        }
    }

    /// Adds a reconciliation round's discrepancies (processor thread).
    func addMismatches(_ n: Int) { state.withLock { $0.mismatches += UInt64(max(0, n)) } }

    /// The newest `limit` alerts, newest first.
    public func recent(limit: Int) -> [Alert] { state.withLock { Array($0.recent.suffix(limit).reversed()) } }

    /// Alerts raised since start by "severity/category" (`alerts_generated_total`).
    public var counts: [String: UInt64] { state.withLock { $0.counts } }

    /// Discrepancies found by reconciliation since start (`reconciliation_mismatches_total`).
    public var mismatches: UInt64 { state.withLock { $0.mismatches } }
}

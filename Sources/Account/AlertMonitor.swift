// Risk and health alerts (seed 002 FR-AM-005, seed 001 "Alerting"): the account checked against
// `AlertLimits` on every snapshot, plus the outcome of each reconciliation and recovery. I/O free:
// the engine logs, records and exports what it returns.
//
// A condition raises one alert when it becomes true and re-arms when it clears, so a limit breached
// for an hour is one alert, not one per evaluation.

/// Raises alerts from account snapshots, reconciliation reports and recoveries.
public struct AlertMonitor: Sendable {
    /// How many alerts `recent` keeps.
    public static let recentCapacity = 256

    /// What alerts are raised at.
    public var limits: AlertLimits
    /// Alerts raised so far, by "severity/category" ("error/pnl"): the `alerts_generated_total`
    /// counter's labels.
    public private(set) var counts: [String: Int] = [:]
    /// The most recent alerts, oldest first, at most `recentCapacity`.
    public private(set) var recent: [Alert] = []
    /// The conditions raised and not cleared since ("daily_drawdown", "position_size:BTCUSDT", …).
    public private(set) var activeConditions: Set<String> = []
    /// The severity of the last reconciliation alert while reports keep finding something.
    var reconciliationSeverity: Alert.Severity?
    var nextId: UInt64 = 1

    /// A monitor of `limits`.
    public init(limits: AlertLimits = AlertLimits()) {
        self.limits = limits
    }

    /// Checks the account and returns the alerts of conditions that became true, in rule order
    /// (daily_drawdown, margin_ratio, position_size by symbol, total_exposure, liquidation_proximity
    /// by symbol, execution_quiet). A condition that is still true raises nothing more; one that
    /// cleared can raise again.
    ///
    /// - Parameters:
    ///   - openOrders: how many orders are open (the order path's count).
    ///   - lastExecutionNs: when the last execution report arrived (nil: none yet, "execution_quiet"
    ///     is not checked).
    public mutating func evaluate(
        _ snapshot: AccountSnapshot, now: Int64, openOrders: Int, lastExecutionNs: Int64?
    ) -> [Alert] {
        let conditions = AlertMonitor.conditions(
            snapshot, limits: limits, now: now, openOrders: openOrders, lastExecutionNs: lastExecutionNs)
        var raised: [Alert] = []
        for condition in conditions where !activeConditions.contains(condition.key) {
            raised.append(raise(condition.severity, condition.category, condition.rule, condition.message, now))
        }
        activeConditions = Set(conditions.map(\.key))
        return raised
    }

    /// The alert of a reconciliation ("reconciliation_mismatch"): critical when the report exceeded
    /// its threshold (trading halts), error when it found discrepancies, warning when it only took in
    /// missing fills; nil when it found nothing or already raised at that severity (re-armed by a
    /// clean report). Category: position when a position differed, else balance when a balance
    /// did, else system (orders, fills).
    public mutating func reconciliation(_ report: ReconciliationReport) -> Alert? {
        let severity: Alert.Severity? =
            report.exceededThreshold
            ? .critical
            : report.mismatchesFound > 0 ? .error : report.missingFills > 0 ? .warning : nil
        let previous = reconciliationSeverity
        reconciliationSeverity = severity
        guard let severity else { return nil }
        if let previous, AlertMonitor.rank(previous) >= AlertMonitor.rank(severity) { return nil }
        let kinds = Set(report.discrepancies.map(\.kind))
        let category: Alert.Category =
            kinds.contains("position") ? .position : kinds.contains("balance") ? .balance : .system
        let listed = report.discrepancies.prefix(5).map { "\($0.kind) \($0.symbol) \($0.differenceBps) bps" }
        var message = "reconciliation found \(report.mismatchesFound) mismatch(es)"
        if !listed.isEmpty { message += " (" + listed.joined(separator: ", ") + ")" }
        message += ", \(report.missingFills) missing fill(s)"
        if report.exceededThreshold { message += "; above the threshold: trading halted until resumed" }
        return raise(severity, category, "reconciliation_mismatch", message, report.timestamp)
    }

    /// The alert of a recovery that took longer than `limits.slowRecoveryNs` ("slow_recovery",
    /// system, error); nil when it was fast enough.
    public mutating func recovery(durationNs: Int64, now: Int64) -> Alert? {
        guard durationNs > limits.slowRecoveryNs else { return nil }
        let message =
            "recovery took \(durationNs / 1_000_000) ms, more than \(limits.slowRecoveryNs / 1_000_000) ms"
        return raise(.error, .system, "slow_recovery", message, now)
    }

    /// Marks an alert of `recent` acknowledged; false when no recent alert has that id.
    public mutating func acknowledge(id: String) -> Bool {
        guard let index = recent.firstIndex(where: { $0.id == id }) else { return false }
        recent[index].acknowledged = true
        return true
    }

    /// Makes, counts and keeps one alert ("a-1", "a-2", … in the order raised).
    mutating func raise(
        _ severity: Alert.Severity, _ category: Alert.Category, _ rule: String, _ message: String, _ now: Int64
    ) -> Alert {
        let alert = Alert(
            id: "a-\(nextId)", severity: severity, category: category, rule: rule, message: message, timestamp: now)
        nextId += 1
        counts["\(severity.rawValue)/\(category.rawValue)", default: 0] += 1
        recent.append(alert)
        if recent.count > AlertMonitor.recentCapacity { recent.removeFirst(recent.count - AlertMonitor.recentCapacity) }
        return alert
    }

    /// info 0 … critical 3.
    static func rank(_ severity: Alert.Severity) -> Int { Alert.Severity.allCases.firstIndex(of: severity) ?? 0 }
}

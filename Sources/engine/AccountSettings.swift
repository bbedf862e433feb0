import Account
import Foundation
import Recorder
import RecorderPostgres

/// Where the recorder keeps its SQLite file: `--recorder PATH`, else `$TICKWIRE_STATE_DIR`, else
/// `$XDG_STATE_HOME/tickwire`, else `~/.local/state/tickwire`, as `<instance>.sqlite`. The read
/// commands (`engine fills`, `history`, `ledger`, `alerts`, `reconcile`) find it the same way.
enum RecorderLocation {
    /// A PostgreSQL URL rather than a file.
    static func isPostgres(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    /// The store at `location`: PostgreSQL for a postgres:// URL, else the SQLite file.
    static func open(_ location: String) throws(RecorderError) -> any RecorderStore {
        isPostgres(location) ? try PostgresRecorder(url: location) : try SQLiteRecorder(path: location)
    }

    static func path(explicit: String?, instance: String) -> String {
        explicit ?? stateDirectory() + "/\(instance).sqlite"
    }

    /// The engine's state directory (the recorder's file, the control plane's token).
    static func stateDirectory() -> String {
        let env = ProcessInfo.processInfo.environment
        return env["TICKWIRE_STATE_DIR"] ?? env["XDG_STATE_HOME"].map { $0 + "/tickwire" }
            ?? (NSHomeDirectory() + "/.local/state/tickwire")
    }
}

/// `engine start`'s account settings: the recorder, reconciliation and alert limits.
struct AccountSettings {
    /// The SQLite file or a postgres:// URL, or nil with `--recorder none` (no history, no recovery
    /// of fills after a crash).
    var recorderPath: String?
    var reconcileIntervalMillis: Int
    var mismatchThresholdBps: Int
    /// The share of the venue's request weight per minute reconciliation may use.
    var weightBudgetPerMinute: Int
    var alertLimits: AlertLimits

    init(flags: Start, file: EngineConfigFile.Account, instance: String) throws {
        let chosen = flags.recorder ?? file.recorder
        if chosen == "none" {
            recorderPath = nil
        } else if let chosen, RecorderLocation.isPostgres(chosen) {
            recorderPath = chosen
        } else {
            recorderPath = RecorderLocation.path(explicit: chosen, instance: instance)
        }
        reconcileIntervalMillis = flags.reconcileIntervalMs ?? file.reconcileIntervalMs ?? 5000
        guard reconcileIntervalMillis >= 500 else { throw fail("--reconcile-interval-ms must be at least 500", code: 2) }
        let percent = file.mismatchThresholdPercent ?? 5
        guard percent > 0 && percent <= 100 else {
            throw fail("account.mismatch_threshold_percent must be in (0, 100]", code: 2)
        }
        mismatchThresholdBps = Int((percent * 100).rounded())
        weightBudgetPerMinute = file.weightBudgetPerMinute ?? 600
        guard weightBudgetPerMinute >= 10 else { throw fail("account.weight_budget_per_minute must be at least 10", code: 2) }
        var limits = AlertLimits()
        func amount(_ text: String?, _ name: String) throws -> Amount? {
            guard let text else { return nil }
            guard let value = Amount(parsing: text), value > .zero else {
                throw fail("account.alerts.\(name) must be a positive decimal, not '\(text)'", code: 2)
            }
            return value
        }
        let alerts = file.alerts ?? .init()
        limits.maxDailyDrawdown = try amount(alerts.maxDailyDrawdown, "max_daily_drawdown")
        limits.maxPositionNotional = try amount(alerts.maxPositionNotional, "max_position_notional")
        limits.maxTotalExposure = try amount(alerts.maxTotalExposure, "max_total_exposure")
        if let bps = alerts.liquidationProximityBps { limits.liquidationProximityBps = bps }
        alertLimits = limits
    }
}

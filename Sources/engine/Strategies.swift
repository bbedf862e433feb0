import ArgumentParser
import EngineKit
import Foundation
import StrategyRuntime

/// The strategy runner's report of a running engine, read from its status file.
struct StrategyReport {
    let object: [String: Any]

    static func read(instance: String) throws -> StrategyReport {
        let view = try InstanceView(instance: instance)
        guard view.isLive else { throw fail("the engine of instance '\(instance)' is not running") }
        guard let path = StrategyRunner.statusPath(instance: instance), let data = FileManager.default.contents(atPath: path),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            (object["pid"] as? Int).map({ Int32($0) == view.stats.segment.writerPID }) == true
        else {
            throw fail("the engine of instance '\(instance)' runs no strategies (start it with --strategy or a config's strategies)")
        }
        return StrategyReport(object: object)
    }

    var reloads: Int { object["reloads"] as? Int ?? 0 }
    var lastReload: String? { object["last_reload"] as? String }
}

/// `engine strategies`: each strategy's state, signals, orders, errors and call latency.
struct Strategies: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The running strategies: state (running/disabled and why), signals, orders, errors, p50/p99 latency.")

    @OptionGroup var options: InstanceOptions

    @Flag(help: "Print the runner's report as one JSON object.")
    var json = false

    func run() throws {
        let report = try StrategyReport.read(instance: options.instance)
        if json {
            print(jsonLine(report.object))
            return
        }
        let o = report.object
        print(
            "runner \(o["state"] ?? "?"), mode \(o["mode"] ?? "?"), aggregation \(o["aggregation"] ?? "?"), kill switch \(o["trading_state"] ?? "?"); "
                + "\(o["events"] ?? 0) md events, \(o["commands"] ?? 0) commands, \(o["submit_failures"] ?? 0) refused by the lane")
        if let rejected = o["rejected_by_risk"] as? [String: Int], !rejected.isEmpty {
            print("rejected by risk: " + rejected.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if let reload = report.lastReload { print("last reload: \(reload)") }
        let rows = (o["strategies"] as? [[String: Any]]) ?? []
        let header = ["NAME", "TYPE", "STATE", "SIGNALS", "ORDERS", "REJECTED", "ERRORS", "P50_US", "P99_US", "OVER", "POSITION"]
        var table = [header]
        for s in rows {
            let positions = (s["positions"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            func us(_ key: String) -> String { String(format: "%.1f", Double(s[key] as? Int ?? 0) / 1000) }
            table.append([
                "\(s["name"] ?? "")", "\(s["type"] ?? "")", "\(s["state"] ?? "")", "\(s["signals"] ?? 0)", "\(s["orders"] ?? 0)",
                "\(s["rejected"] ?? 0)", "\(s["errors"] ?? 0)", us("p50_ns"), us("p99_ns"), "\(s["over_budget"] ?? 0)",
                positions.joined(separator: ", "),
            ])
        }
        let widths = header.indices.map { c in table.map { $0[c].count }.max() ?? 0 }
        for row in table {
            print(row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }.joined(separator: "  "))
        }
        for s in rows where s["state"] as? String == "disabled" {
            print("\(s["name"] ?? ""): disabled: \(s["reason"] ?? "")")
        }
    }
}

/// `engine reload`: the running engine re-reads its config file's strategy parameters and risk
/// limits (SIGHUP). A bad file changes nothing and is reported (exit 1).
struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-read strategy parameters and risk limits from the engine's --config file (also on SIGHUP).")

    @OptionGroup var options: InstanceOptions

    @Option(help: "Seconds to wait for the engine's answer.")
    var timeout: Double = 5

    func run() throws {
        let before = try StrategyReport.read(instance: options.instance)
        let view = try InstanceView(instance: options.instance)
        guard kill(view.stats.segment.writerPID, SIGHUP) == 0 else {
            throw fail("cannot signal the engine (pid \(view.stats.segment.writerPID)): \(String(cString: strerror(errno)))")
        }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let now = try? StrategyReport.read(instance: options.instance), now.reloads > before.reloads {
                let outcome = now.lastReload ?? "?"
                if outcome.hasPrefix("refused") { throw fail("reload \(outcome)") }
                print("reloaded: strategy parameters and risk limits applied")
                return
            }
            usleep(20_000)
        }
        throw fail("no answer to the reload within \(timeout) s (was the engine started with --config? a reload re-reads that file)")
    }
}

import ArgumentParser
import EngineKit
import Foundation

/// `engine status`: header, state, per-instrument feed state and counters, rings, histograms.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show an instance's state; exits non-zero when no live engine runs it.")

    @OptionGroup var options: InstanceOptions

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let view = try InstanceView(instance: options.instance)
        let object = view.statusObject()
        if json {
            print(jsonPretty(object))
        } else {
            printText(view, object)
        }
        if !view.isLive { throw ExitCode(1) }
    }

    private func printText(_ view: InstanceView, _ o: [String: Any]) {
        let uptime = String(format: "%.1f", o["uptime_s"] as? Double ?? 0)
        let beat = String(format: "%.0f", o["heartbeat_age_ms"] as? Double ?? 0)
        let gone =
            (o["pid_alive"] as? Bool ?? false) || "\(o["segment_state"]!)" == "dead"
            ? "" : " (its writer is gone; the segments still say \(o["segment_state"]!))"
        print("instance \(view.name): \(o["state"]!), generation \(o["generation"]!), pid \(o["pid"]!)\(gone)"
            + ", abi \(o["abi"]!), up \(uptime) s, heartbeat \(beat) ms ago")
        print(pad("SYMBOL", 10) + pad("STATE", 8) + pad("BID", 16) + pad("ASK", 16) + pad("UPDATE_ID", 12)
            + pad("AGE_MS", 9) + pad("MSGS", 10) + pad("TRADES", 9) + pad("GAPS", 6) + pad("RESYNC", 8)
            + pad("RECONN", 8) + pad("BAD", 6) + pad("BBO_CHECKS/MISMATCHES", 23) + "REASON")
        for item in o["instruments"] as? [[String: Any]] ?? [] {
            let bid = (item["bid"] as? [String: String])?["price"] ?? "-"
            let ask = (item["ask"] as? [String: String])?["price"] ?? "-"
            let age = (item["last_update_age_ms"] as? Double).map { String(format: "%.0f", $0) } ?? "-"
            let state = (item["stale"] as? Bool ?? false) && "\(item["state"]!)" == "live" ? "stale" : "\(item["state"]!)"
            print(pad("\(item["symbol"]!)", 10) + pad(state, 8) + pad(bid, 16) + pad(ask, 16)
                + pad("\(item["last_update_id"]!)", 12) + pad(age, 9) + pad("\(item["messages"]!)", 10)
                + pad("\(item["trades"]!)", 9) + pad("\(item["gaps"]!)", 6) + pad("\(item["resyncs"]!)", 8)
                + pad("\(item["reconnects"]!)", 8) + pad("\(item["malformed"]!)", 6)
                + pad("\(item["bookticker_checks"]!)/\(item["bookticker_mismatches"]!)", 23) + (reasonText(item) ?? "-"))
        }
        if let rings = o["rings"] as? [String: [String: Any]] {
            let md = rings["md"] ?? [:]
            print("md ring: head \(md["head"]!) of \(md["slots"]!) slots")
            if let cmd = rings["cmd"] {
                print("cmd lanes: \(cmd["lanes_owned"]!) of \(cmd["lanes"]!) owned, \(cmd["waiting"]!) waiting,"
                    + " rejected_full \(cmd["rejected_full"]!) rejected_no_lane \(cmd["rejected_no_lane"]!)"
                    + " reclaimed \(cmd["lanes_reclaimed"]!)")
            }
            if let exec = rings["exec"] {
                print("exec journal: head \(exec["head"]!) consumed \(exec["consumed"]!) of \(exec["slots"]!) slots,"
                    + " refused_full \(exec["refused_full"]!) overflowed \(exec["overflowed"]!)")
            }
        }
        if let counters = o["counters"] as? [String: Any] {
            print("counters: " + counters.keys.sorted().map { "\($0)=\(counters[$0]!)" }.joined(separator: " "))
        }
        if let hist = o["histograms"] as? [String: [String: Any]] {
            for name in hist.keys.sorted() {
                let h = hist[name]!
                print("\(name): count \(h["count"]!) p50 \(h["p50"]!) p99 \(h["p99"]!) p99.9 \(h["p999"]!) max \(h["max"]!)")
            }
        }
    }
}

/// The symbol's reason and how long ago it was set: "no valid update for 5.0 s (12 s ago)"; nil when there is none.
/// `engine status` and `engine top` show it.
func reasonText(_ item: [String: Any]) -> String? {
    let text = item["reason_text"] as? String ?? ""
    guard !text.isEmpty else { return nil }
    guard let age = item["reason_age_ms"] as? Double, "\(item["state"]!)" != "dead" else { return text }
    return text + " (" + (age >= 10_000 ? "\(Int(age / 1000)) s" : String(format: "%.1f s", age / 1000)) + " ago)"
}

/// Left-aligns text in a column.
func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}

import Foundation
import Histogram

/// Percentiles of one scenario (ns) and what the machine did meanwhile.
struct Summary {
    let scenario: Scenario
    let histogram: Histogram<UInt64>
    let cores: [Int32]
    let warmup: UInt64
    let voluntarySwitches: Int64
    let involuntarySwitches: Int64
    let clamped: UInt64
    let loadAverage1m: Double?
    let stealMilliseconds: Double?

    var count: UInt64 { histogram.totalCount }
    var p50: UInt64 { histogram.valueAtPercentile(50) }
    var p90: UInt64 { histogram.valueAtPercentile(90) }
    var p99: UInt64 { histogram.valueAtPercentile(99) }
    var p999: UInt64 { histogram.valueAtPercentile(99.9) }
    var max: UInt64 { histogram.maxRecorded }

    init(
        scenario: Scenario, result: RunResult, cores: [Int32], warmup: UInt64, loadAverage1m: Double?,
        stealMilliseconds: Double?
    ) {
        var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        for sample in result.samples { histogram.record(sample) }
        self.init(
            scenario: scenario, histogram: histogram, cores: cores, warmup: warmup,
            voluntarySwitches: result.voluntarySwitches, involuntarySwitches: result.involuntarySwitches,
            clamped: result.clamped, loadAverage1m: loadAverage1m, stealMilliseconds: stealMilliseconds)
    }

    private init(
        scenario: Scenario, histogram: Histogram<UInt64>, cores: [Int32], warmup: UInt64, voluntarySwitches: Int64,
        involuntarySwitches: Int64, clamped: UInt64, loadAverage1m: Double?, stealMilliseconds: Double?
    ) {
        self.scenario = scenario
        self.histogram = histogram
        self.cores = cores
        self.warmup = warmup
        self.voluntarySwitches = voluntarySwitches
        self.involuntarySwitches = involuntarySwitches
        self.clamped = clamped
        self.loadAverage1m = loadAverage1m
        self.stealMilliseconds = stealMilliseconds
    }

    /// Both runs' samples in one histogram (the floor measured before and after a scenario).
    func merged(with other: Summary) -> Summary {
        var histogram = self.histogram
        histogram.add(other.histogram)
        return Summary(
            scenario: scenario, histogram: histogram, cores: cores, warmup: warmup + other.warmup,
            voluntarySwitches: voluntarySwitches + other.voluntarySwitches,
            involuntarySwitches: involuntarySwitches + other.involuntarySwitches, clamped: clamped + other.clamped,
            loadAverage1m: loadAverage1m,
            stealMilliseconds: stealMilliseconds.flatMap { a in other.stealMilliseconds.map { a + $0 } })
    }
}

/// A result beside the floors it is judged against, all measured in the same run.
struct Judged {
    let summary: Summary
    /// The cross-core floor: pingpong on the same cores, run just before and just after this
    /// scenario (both halves merged), so a vCPU move between scenarios cannot skew the ratio.
    let floor: Summary?
    let floorBefore: Summary?
    let floorAfter: Summary?
    let copyFloor: Summary?

    /// Largest relative change of the floor's p50 from before to after that is still called steady.
    static let floorTolerance = 0.25

    var ratioP50: Double? { floor.flatMap { ratio(summary.p50, $0.p50) } }
    var ratioP99: Double? { floor.flatMap { ratio(summary.p99, $0.p99) } }
    var ratioCopyP50: Double? { copyFloor.flatMap { ratio(summary.p50, $0.p50) } }

    /// True when the floor's p50 moved by more than the tolerance across the scenario.
    var floorMoved: Bool? {
        guard let before = floorBefore, let after = floorAfter, let r = ratio(after.p50, before.p50) else { return nil }
        return abs(r - 1) > Self.floorTolerance
    }

    private func ratio(_ value: UInt64, _ floor: UInt64) -> Double? {
        floor > 0 ? Double(value) / Double(floor) : nil
    }
}

// MARK: - JSON

/// A JSON value rendered by hand, keys in the order given.
enum JSON {
    case int(Int64)
    case uint(UInt64)
    case double(Double, digits: Int)
    case string(String)
    case array([JSON])
    case bool(Bool)
    case null

    static func optional(_ value: UInt64?) -> JSON { value.map { .uint($0) } ?? .null }
    static func optional(_ value: Double?, digits: Int) -> JSON { value.map { .double($0, digits: digits) } ?? .null }
    static func optional(_ value: String?) -> JSON { value.map { .string($0) } ?? .null }
    static func optional(_ value: Bool?) -> JSON { value.map { .bool($0) } ?? .null }

    var rendered: String {
        switch self {
        case .int(let v): return String(v)
        case .uint(let v): return String(v)
        case .double(let v, let digits): return v.isFinite ? String(format: "%.\(digits)f", v) : "null"
        case .string(let s): return JSON.quote(s)
        case .array(let items): return "[" + items.map(\.rendered).joined(separator: ",") + "]"
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        }
    }

    static func object(_ pairs: KeyValuePairs<String, JSON>) -> String {
        "{" + pairs.map { quote($0.key) + ":" + $0.value.rendered }.joined(separator: ",") + "}"
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// One JSON object (one line) for a scenario.
func jsonLine(_ judged: Judged, clockReadNs: Int64, batch: UInt32) -> String {
    let s = judged.summary
    let f = judged.floor
    let c = judged.copyFloor
    return JSON.object([
        "scenario": .string(s.scenario.name),
        "unit": .string("ns"),
        "count": .uint(s.count),
        "p50": .uint(s.p50),
        "p90": .uint(s.p90),
        "p99": .uint(s.p99),
        "p999": .uint(s.p999),
        "max": .uint(s.max),
        "floor": .optional(s.scenario.floor?.name),
        "floor_p50": .optional(f?.p50),
        "ratio_p50": .optional(judged.ratioP50, digits: 3),
        "floor_p90": .optional(f?.p90),
        "floor_p99": .optional(f?.p99),
        "floor_p999": .optional(f?.p999),
        "floor_max": .optional(f?.max),
        "ratio_p99": .optional(judged.ratioP99, digits: 3),
        "floor_before_p50": .optional(judged.floorBefore?.p50),
        "floor_after_p50": .optional(judged.floorAfter?.p50),
        "floor_moved": .optional(judged.floorMoved),
        "copy_floor": .optional(s.scenario.copyFloor?.name),
        "copy_floor_p50": .optional(c?.p50),
        "ratio_copy_p50": .optional(judged.ratioCopyP50, digits: 3),
        "bytes": s.scenario.bytes.map { .int(Int64($0)) } ?? .null,
        "batch": s.scenario.crossCore || s.scenario.isInMemory ? .null : .uint(UInt64(batch)),
        "cores": .array(s.cores.map { .int(Int64($0)) }),
        "warmup": .uint(s.warmup),
        "ctx_switches_voluntary": .int(s.voluntarySwitches),
        "ctx_switches_involuntary": .int(s.involuntarySwitches),
        "loadavg_1m": .optional(s.loadAverage1m, digits: 2),
        "steal_ms": .optional(s.stealMilliseconds, digits: 0),
        "clock_read_ns": .int(clockReadNs),
        "clamped": .uint(s.clamped),
    ])
}

// MARK: - Table

/// The human table: one row per scenario, printed as each finishes.
enum Table {
    static let columns: [(title: String, width: Int)] = [
        ("scenario", 16), ("p50", 7), ("p90", 7), ("p99", 7), ("p99.9", 8), ("max", 9), ("count", 8),
        ("floor b/a", 11), ("×p50", 7), ("×p99", 7), ("×copy", 7), ("csw inv/vol", 12), ("steal", 7), ("load", 6),
    ]

    static func header(cores: [Int32], iterations: UInt64, warmup: UInt64, clockReadNs: Int64, load: Double?) -> String {
        let loadText = load.map { String(format: "%.2f", $0) } ?? "?"
        let title = "bench latency: cores \(cores.map(String.init).joined(separator: ",")), "
            + "\(iterations) iterations (+\(warmup) warmup) a scenario, one-way ns; "
            + "clock read \(clockReadNs) ns; load \(loadText)"
        let line = row(columns.map(\.title))
        return title + "\n" + line + "\n" + String(repeating: "-", count: line.count)
    }

    static func line(_ judged: Judged) -> String {
        let s = judged.summary
        return row([
            s.scenario.name, String(s.p50), String(s.p90), String(s.p99), String(s.p999), String(s.max), String(s.count),
            floorCell(judged), times(judged.ratioP50), times(judged.ratioP99),
            times(judged.ratioCopyP50), "\(s.involuntarySwitches)/\(s.voluntarySwitches)",
            s.stealMilliseconds.map { String(format: "%.0fms", $0) } ?? "?",
            s.loadAverage1m.map { String(format: "%.2f", $0) } ?? "?",
        ])
    }

    static func legend(_ scenarios: [Scenario]) -> String {
        let notes = scenarios.map { "  \($0.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \($0.what)" }
        return ([
            "",
            "floor b/a: p50 of pingpong (same cores) run just before / just after the scenario, \"!\" when it moved "
                + "more than \(Int(Judged.floorTolerance * 100))%;",
            "×p50, ×p99: vs that floor (both halves merged); ×copy: p50 vs memcpy of the same bytes;",
            "csw: context switches of the scenario's threads; steal: hypervisor steal on its cores; load: 1-min average",
        ] + notes).joined(separator: "\n")
    }

    private static func floorCell(_ judged: Judged) -> String {
        guard let before = judged.floorBefore, let after = judged.floorAfter else {
            return judged.summary.scenario.isFloor ? "(floor)" : "-"
        }
        return "\(before.p50)/\(after.p50)" + (judged.floorMoved == true ? "!" : "")
    }

    private static func times(_ ratio: Double?) -> String {
        ratio.map { String(format: "%.2f", $0) } ?? "-"
    }

    private static func row(_ cells: [String]) -> String {
        var out = ""
        for (i, cell) in cells.enumerated() {
            let width = columns[i].width
            let pad = String(repeating: " ", count: max(0, width - cell.count))
            out += i == 0 ? cell + pad : " " + pad + cell
        }
        return out
    }
}

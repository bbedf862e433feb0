import Foundation
import Histogram

/// The loopback scenarios in the latency table's style and JSON shape.
extension LoopbackResult {
    private var floorName: String { "tcp-hop" }

    /// Two rows in `Table`'s columns (the floor, then the scenario) and the indented details.
    func tableLines() -> [String] {
        let f = floor
        let s = total
        let floorCell =
            "\(floorBefore.valueAtPercentile(50))/\(floorAfter.valueAtPercentile(50))"
            + (floorMoved == true ? "!" : "")
        let steal = stealMilliseconds.map { String(format: "%.0fms", $0) } ?? "?"
        let load = loadAverage1m.map { String(format: "%.2f", $0) } ?? "?"
        let floorRow = Self.row([
            "\(floorName)", String(f.valueAtPercentile(50)), String(f.valueAtPercentile(90)),
            String(f.valueAtPercentile(99)), String(f.valueAtPercentile(99.9)), String(f.maxRecorded),
            String(f.totalCount), "(floor)", "-", "-", "-", "\(floorSwitches.involuntary)/\(floorSwitches.voluntary)",
            steal, load,
        ])
        let row = Self.row([
            scenario.name, String(s.valueAtPercentile(50)), String(s.valueAtPercentile(90)),
            String(s.valueAtPercentile(99)), String(s.valueAtPercentile(99.9)), String(s.maxRecorded),
            String(s.totalCount), floorCell, Self.times(ratioP50), Self.times(ratioP99), "-",
            "\(blasterSwitches.involuntary + max(feedSwitches.involuntary, 0))/"
                + "\(blasterSwitches.voluntary + max(feedSwitches.voluntary, 0))",
            steal, load,
        ])
        return [floorRow, row] + details()
    }

    private var blasterSwitches: (voluntary: Int64, involuntary: Int64) {
        (run.csw_meas_voluntary, run.csw_meas_involuntary)
    }

    private var feedSwitches: (voluntary: Int64, involuntary: Int64) {
        (run.csw_feed_voluntary, run.csw_feed_involuntary)
    }

    private func details() -> [String] {
        let transportText = run.tls != 0 ? "TLS (\(tlsDescription), certificate verified)" : "plain TCP"
        let rounds = run.rounds_ns > 0 ? Double(run.samples) * 1e9 / Double(run.rounds_ns) : 0
        var lines = [
            "    \(scenario.name): \(transportText); blaster+reader on core \(cores[0]), "
                + "feed (SPIN) on core \(cores[1]); "
                + "\(run.samples) frames (+\(warmup) warmup), mean \(meanFrameBytes) B, diffs \(run.min_levels)-"
                + "\(run.max_levels) levels, 1 in \(run.bookticker_every == 0 ? "-" : String(run.bookticker_every)) "
                + "a bookTicker; \(String(format: "%.0f", rounds)) ping-pong rounds/s",
            "      wire->shm by kind: depth diffs \(Self.brief(depth)); bookTickers \(Self.brief(bookTicker))",
            "      split (event stamps): send->recv completion \(Self.brief(sendRecv)); "
                + "recv->publish \(Self.brief(recvPublish)); publish->seen \(Self.brief(publishVisible))",
            "      inside the engine, TW_HIST_FEED_WIRE (recv completion -> publish, stats segment): "
                + "p50 \(run.wire_p50) p90 \(run.wire_p90) p99 \(run.wire_p99) p99.9 \(run.wire_p999) "
                + "max \(run.wire_max) count \(run.wire_count)",
        ]
        if let rate = burstMsgsPerSecond {
            let mb = Double(run.burst_bytes) * 1e9 / Double(run.burst_ns) / 1e6
            lines.append(
                "      burst: \(run.burst_frames) frames in one write -> last event seen in "
                    + "\(String(format: "%.1f", Double(run.burst_ns) / 1e6)) ms: "
                    + "\(String(format: "%.0f", rate)) msgs/s, \(String(format: "%.0f", mb)) MB/s on the socket")
        }
        let feedText =
            run.csw_feed_involuntary < 0
            ? "?" : "\(run.csw_feed_involuntary)/\(run.csw_feed_voluntary)"
        lines.append(
            "      preemption (inv/vol ctx switches over the timed rounds): blaster \(run.csw_meas_involuntary)/"
                + "\(run.csw_meas_voluntary), feed \(feedText); floor threads \(floorSwitches.involuntary)/"
                + "\(floorSwitches.voluntary); "
                + "steal \(stealMilliseconds.map { String(format: "%.0f ms", $0) } ?? "?"); "
                + "/proc/loadavg \(procLoadavg ?? "?")")
        lines.append(
            "      feed: \(run.messages) messages, gaps \(run.gaps), resyncs \(run.resyncs), "
                + "malformed \(run.malformed), "
                + "unrouted \(run.unrouted), bookTicker checks \(run.bbo_checks) (mismatches \(run.bbo_mismatches)); "
                + "snapshot \(run.snapshot_levels) levels; events whose top of book is not the generator's "
                + "(timed and burst): \(run.top_mismatches); clamped \(run.clamped + floorClamped)")
        return lines
    }

    /// The legend lines of the loopback rows.
    static let legend = [
        "tcp-hop: loopback TCP one-way hop A->B (8 B, TCP_NODELAY, busy-polled non-blocking recv), "
            + "run before and after "
            + "the loopback scenario (b/a);",
        "loopback: t_send, write() one WS frame, busy-poll the md ring on A until its event shows; "
            + "×p50, ×p99 vs tcp-hop; "
            + "csw: blaster + feed threads",
    ]

    /// One JSON object per line: the floor's, then the scenario's (the keys of `jsonLine`, then the loopback's own).
    func jsonLines(clockReadNs: Int64) -> [String] {
        let f = floor
        let s = total
        let floorLine = JSON.object([
            "scenario": .string(floorName), "unit": .string("ns"), "count": .uint(f.totalCount),
            "p50": .uint(f.valueAtPercentile(50)), "p90": .uint(f.valueAtPercentile(90)),
            "p99": .uint(f.valueAtPercentile(99)), "p999": .uint(f.valueAtPercentile(99.9)),
            "max": .uint(f.maxRecorded),
            "floor": .null, "bytes": .int(8), "cores": .array(cores.map { .int(Int64($0)) }),
            "warmup": .uint(warmup / 2 * 2), "ctx_switches_voluntary": .int(floorSwitches.voluntary),
            "ctx_switches_involuntary": .int(floorSwitches.involuntary),
            "loadavg_1m": .optional(loadAverage1m, digits: 2), "steal_ms": .optional(stealMilliseconds, digits: 0),
            "clock_read_ns": .int(clockReadNs), "clamped": .uint(floorClamped), "for": .string(scenario.name),
        ])
        let line = JSON.object([
            "scenario": .string(scenario.name), "unit": .string("ns"), "count": .uint(s.totalCount),
            "p50": .uint(s.valueAtPercentile(50)), "p90": .uint(s.valueAtPercentile(90)),
            "p99": .uint(s.valueAtPercentile(99)), "p999": .uint(s.valueAtPercentile(99.9)),
            "max": .uint(s.maxRecorded),
            "floor": .string(floorName), "floor_p50": .uint(f.valueAtPercentile(50)),
            "ratio_p50": .optional(ratioP50, digits: 3), "floor_p90": .uint(f.valueAtPercentile(90)),
            "floor_p99": .uint(f.valueAtPercentile(99)), "floor_p999": .uint(f.valueAtPercentile(99.9)),
            "floor_max": .uint(f.maxRecorded), "ratio_p99": .optional(ratioP99, digits: 3),
            "floor_before_p50": .uint(floorBefore.valueAtPercentile(50)),
            "floor_after_p50": .uint(floorAfter.valueAtPercentile(50)), "floor_moved": .optional(floorMoved),
            "copy_floor": .null, "copy_floor_p50": .null, "ratio_copy_p50": .null, "bytes": .int(meanFrameBytes),
            "batch": .null, "cores": .array(cores.map { .int(Int64($0)) }), "warmup": .uint(warmup),
            "ctx_switches_voluntary": .int(blasterSwitches.voluntary + max(feedSwitches.voluntary, 0)),
            "ctx_switches_involuntary": .int(blasterSwitches.involuntary + max(feedSwitches.involuntary, 0)),
            "loadavg_1m": .optional(loadAverage1m, digits: 2), "steal_ms": .optional(stealMilliseconds, digits: 0),
            "clock_read_ns": .int(clockReadNs), "clamped": .uint(run.clamped),
            "transport": .string(transport), "tls": .optional(run.tls != 0 ? tlsDescription : nil),
            "engine_wire_count": .uint(run.wire_count), "engine_wire_p50": .uint(run.wire_p50),
            "engine_wire_p90": .uint(run.wire_p90), "engine_wire_p99": .uint(run.wire_p99),
            "engine_wire_p999": .uint(run.wire_p999), "engine_wire_max": .uint(run.wire_max),
            "send_recv_p50": .uint(sendRecv.valueAtPercentile(50)),
            "send_recv_p99": .uint(sendRecv.valueAtPercentile(99)),
            "recv_publish_p50": .uint(recvPublish.valueAtPercentile(50)),
            "recv_publish_p99": .uint(recvPublish.valueAtPercentile(99)),
            "publish_visible_p50": .uint(publishVisible.valueAtPercentile(50)),
            "publish_visible_p99": .uint(publishVisible.valueAtPercentile(99)),
            "depth_count": .uint(depth.totalCount), "depth_p50": .uint(depth.valueAtPercentile(50)),
            "depth_p99": .uint(depth.valueAtPercentile(99)), "bookticker_count": .uint(bookTicker.totalCount),
            "bookticker_p50": .uint(bookTicker.valueAtPercentile(50)),
            "bookticker_p99": .uint(bookTicker.valueAtPercentile(99)),
            "levels_min": .int(Int64(run.min_levels)), "levels_max": .int(Int64(run.max_levels)),
            "snapshot_levels": .int(Int64(run.snapshot_levels)),
            "rounds_per_s": .optional(
                run.rounds_ns > 0 ? Double(run.samples) * 1e9 / Double(run.rounds_ns) : nil,
                digits: 0),
            "burst_frames": .uint(run.burst_frames), "burst_msgs_per_s": .optional(burstMsgsPerSecond, digits: 0),
            "csw_blaster_voluntary": .int(run.csw_meas_voluntary),
            "csw_blaster_involuntary": .int(run.csw_meas_involuntary),
            "csw_feed_voluntary": run.csw_feed_voluntary < 0 ? .null : .int(run.csw_feed_voluntary),
            "csw_feed_involuntary": run.csw_feed_involuntary < 0 ? .null : .int(run.csw_feed_involuntary),
            "proc_loadavg": .optional(procLoadavg), "feed_messages": .uint(run.messages), "feed_gaps": .uint(run.gaps),
            "feed_resyncs": .uint(run.resyncs), "feed_malformed": .uint(run.malformed),
            "feed_unrouted": .uint(run.unrouted), "bookticker_checks": .uint(run.bbo_checks),
            "bookticker_mismatches": .uint(run.bbo_mismatches), "top_mismatches": .uint(run.top_mismatches),
        ])
        return [floorLine, line]
    }

    private static func brief(_ h: Histogram<UInt64>) -> String {
        guard h.totalCount > 0 else { return "-" }
        return "p50 \(h.valueAtPercentile(50)) p99 \(h.valueAtPercentile(99)) max \(h.maxRecorded) (\(h.totalCount))"
    }

    private static func times(_ ratio: Double?) -> String {
        ratio.map { String(format: "%.2f", $0) } ?? "-"
    }

    /// A row in the latency table's columns.
    private static func row(_ cells: [String]) -> String {
        var out = ""
        for (i, cell) in cells.enumerated() {
            let width = Table.columns[i].width
            let pad = String(repeating: " ", count: max(0, width - cell.count))
            out += i == 0 ? cell + pad : " " + pad + cell
        }
        return out
    }
}

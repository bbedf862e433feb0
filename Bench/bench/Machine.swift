import CEngineCore
import Foundation

/// What the machine was doing around a scenario: on a shared VM the tails
/// are other tenants' time slices, so a result is judged with these beside it.
enum Machine {
    /// The CPUs this process may run on.
    static func allowedCores() -> [Int32] {
        var buffer = [Int32](repeating: 0, count: 1024)
        let n = tw_cpu_allowed_list(&buffer, Int32(buffer.count))
        return n > 0 ? Array(buffer.prefix(Int(n))) : []
    }

    /// The 1-minute load average (our own spinning threads count too).
    static func loadAverage1m() -> Double? {
        var loads = [Double](repeating: 0, count: 3)
        return getloadavg(&loads, 3) >= 1 ? loads[0] : nil
    }

    /// Cumulative steal time of the given CPUs in ms (/proc/stat), nil when not readable.
    static func stealMilliseconds(cpus: [Int32]) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        guard ticksPerSecond > 0 else { return nil }
        let wanted = Set(cpus.map { "cpu\($0)" })
        var ticks: UInt64 = 0
        var found = 0
        for line in text.split(separator: "\n") where line.hasPrefix("cpu") {
            let fields = line.split(separator: " ")
            // cpuN user nice system idle iowait irq softirq steal …
            guard fields.count > 8, wanted.contains(String(fields[0])), let steal = UInt64(fields[8]) else { continue }
            ticks += steal
            found += 1
        }
        return found == wanted.count ? Double(ticks) * 1000 / ticksPerSecond : nil
    }
}

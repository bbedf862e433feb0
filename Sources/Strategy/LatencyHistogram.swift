/// Durations in ns, in log-linear buckets (16 per power of two, ≤ 6.25 % error), as the stats
/// segment's histograms keep them; no allocation after creation.
public struct LatencyHistogram: Sendable {
    private static let subBits = 4
    private static let sub = 1 << subBits
    private var buckets = [UInt64](repeating: 0, count: (64 - subBits + 1) * (1 << subBits))
    public private(set) var count: UInt64 = 0
    public private(set) var max: UInt64 = 0

    public init() {}

    static func bucket(_ v: UInt64) -> Int {
        if v < UInt64(sub) { return Int(v) }
        let e = 63 - v.leadingZeroBitCount
        return (e - subBits + 1) * sub + Int((v >> UInt64(e - subBits)) & UInt64(sub - 1))
    }

    static func lowest(_ b: Int) -> UInt64 {
        if b < sub { return UInt64(b) }
        let e = b / sub + subBits - 1
        return (UInt64(sub) | UInt64(b % sub)) << UInt64(e - subBits)
    }

    public mutating func record(_ ns: UInt64) {
        buckets[Self.bucket(ns)] += 1
        count += 1
        if ns > max { max = ns }
    }

    /// The value at quantile `q` (0…1): the lowest value of the bucket holding it; 0 when empty.
    public func percentile(_ q: Double) -> UInt64 {
        guard count > 0 else { return 0 }
        let rank = UInt64((Double(count) * q).rounded(.up))
        var seen: UInt64 = 0
        for (b, n) in buckets.enumerated() where n > 0 {
            seen += n
            if seen >= Swift.max(rank, 1) { return Self.lowest(b) }
        }
        return max
    }
}

import Execution
import Testing

/// server − local from midpoints, minimum round trip in a window, refresh timing.
@Suite("Server time offset")
struct ServerTimeOffsetTests {
    static let ms: Int64 = 1_000_000
    static let second: Int64 = 1_000_000_000

    @Test("the offset is the server time minus the local midpoint")
    func midpoint() {
        var t = ServerTimeOffset()
        #expect(t.offsetMs == nil && t.needsRefresh(now: 0))
        // Sent at local 1000 ms, received at 1010 ms; server says 1255 ms → offset +250 ms.
        let added = t.add(sendNs: 1_000 * Self.ms, serverMs: 1_255, receiveNs: 1_010 * Self.ms)
        #expect(added)
        #expect(t.offsetMs == 250 && t.offsetNs == 250 * Self.ms && t.uncertaintyNs == 5 * Self.ms)
        #expect(t.serverTimeMs(localNs: 2_000 * Self.ms) == 2_250)
    }

    @Test("the sample with the smallest round trip wins; the window forgets old ones")
    func minimumRoundTrip() {
        var t = ServerTimeOffset(windowNs: 60 * Self.second)
        t.add(sendNs: 0, serverMs: 100, receiveNs: 40 * Self.ms)  // rtt 40 ms, offset +80
        t.add(sendNs: 1 * Self.second, serverMs: 1_000 - 3, receiveNs: 1 * Self.second + 2 * Self.ms)  // rtt 2, −4
        t.add(sendNs: 2 * Self.second, serverMs: 2_050, receiveNs: 2 * Self.second + 20 * Self.ms)  // rtt 20, +40
        #expect(t.offsetMs == -4 && t.bestSample?.roundTripNs == 2 * Self.ms)
        // 70 s later the good sample leaves the window.
        t.add(sendNs: 62 * Self.second, serverMs: 62_007, receiveNs: 62 * Self.second + 10 * Self.ms)  // +2
        #expect(t.samples.count == 2 && t.offsetMs == 2)
    }

    @Test("impossible and stalled samples are refused")
    func refused() {
        var t = ServerTimeOffset(maxRoundTripNs: Self.second)
        let backwards = t.add(sendNs: 10, serverMs: 0, receiveNs: 5)
        let stalled = t.add(sendNs: 0, serverMs: 0, receiveNs: 2 * Self.second)
        #expect(!backwards && !stalled)
        #expect(t.samples.isEmpty)
    }

    @Test("negative offsets round to the nearest millisecond")
    func rounding() {
        var t = ServerTimeOffset()
        t.add(sendNs: 10 * Self.ms, serverMs: 8, receiveNs: 11 * Self.ms)  // midpoint 10.5 ms → −2.5 ms
        #expect(t.offsetNs == -2_500_000 && t.offsetMs == -3)
    }

    @Test("a refresh is due once the latest sample is older than the interval")
    func refresh() {
        var t = ServerTimeOffset(refreshIntervalNs: 60 * Self.second)
        t.add(sendNs: 0, serverMs: 0, receiveNs: Self.ms)
        #expect(!t.needsRefresh(now: 60 * Self.second))
        #expect(t.needsRefresh(now: 60 * Self.second + Self.ms))
    }
}

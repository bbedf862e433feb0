import Account
import Testing

@Suite struct AccountStateStoreTests {
    /// A snapshot whose every field is derived from its version, so a torn read would show.
    static func snapshot(_ version: UInt64) -> AccountSnapshot {
        var snapshot = AccountSnapshot()
        snapshot.version = version
        snapshot.journalSeq = version * 2
        snapshot.updatedNs = Int64(version) * 10
        let amount = Amount(e8: Int64(version))
        snapshot.balances["USDT"] = BalanceEntry(
            asset: "USDT", total: amount, available: amount, source: .stream, updatedNs: snapshot.updatedNs)
        snapshot.pnl.realizedPnl = amount
        return snapshot
    }

    static func consistent(_ snapshot: AccountSnapshot) -> Bool {
        let version = snapshot.version
        guard version > 0 else { return snapshot.balances.isEmpty }
        return snapshot.journalSeq == version * 2 && snapshot.updatedNs == Int64(version) * 10
            && snapshot.balances["USDT"]?.total.e8 == Int64(version) && snapshot.pnl.realizedPnl.e8 == Int64(version)
    }

    @Test func versionNeverGoesBackwards() {
        let store = AccountStateStore()
        #expect(store.version == 0)
        #expect(store.publish(Self.snapshot(5)))
        #expect(!store.publish(Self.snapshot(3)))
        #expect(store.version == 5 && store.snapshot.journalSeq == 10)
        #expect(store.publish(Self.snapshot(6)))
        #expect(store.snapshot.version == 6)
    }

    @Test func concurrentReadersSeeWholeSnapshots() async {
        let store = AccountStateStore()
        let last: UInt64 = 10_000
        let reads = await withTaskGroup(of: Int.self) { group in
            group.addTask {
                for version in 1...last { store.publish(Self.snapshot(version)) }
                return 0
            }
            for _ in 0..<3 {
                group.addTask {
                    var reads = 0
                    var previous: UInt64 = 0
                    while true {
                        let snapshot = store.snapshot
                        reads += 1
                        if !Self.consistent(snapshot) || snapshot.version < previous { return -1 }
                        previous = snapshot.version
                        if snapshot.version == last { return reads }
                        if reads % 64 == 0 { await Task.yield() }
                    }
                }
            }
            var results: [Int] = []
            for await result in group { results.append(result) }
            return results
        }
        #expect(!reads.contains(-1), "a reader saw a torn or older snapshot")
        #expect(reads.filter { $0 > 0 }.count == 3)
        #expect(store.version == last)
    }
}

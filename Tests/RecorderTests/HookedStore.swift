import Account
import Synchronization

@testable import Recorder

/// A store that runs `hook` before each write of the SQLite store it wraps (to fail or slow writes).
final class HookedStore: RecorderStore {
    let inner: SQLiteRecorder
    let hook: @Sendable (RecorderBatch) throws(RecorderError) -> Void

    init(_ inner: SQLiteRecorder, hook: @escaping @Sendable (RecorderBatch) throws(RecorderError) -> Void) {
        self.inner = inner
        self.hook = hook
    }

    func write(_ batch: RecorderBatch) throws(RecorderError) {
        try hook(batch)
        try inner.write(batch)
    }

    func fills(since ns: Int64?, symbol: String?) throws(RecorderError) -> [Fill] {
        try inner.fills(since: ns, symbol: symbol)
    }
    func fillKeys() throws(RecorderError) -> Set<String> { try inner.fillKeys() }
    func orders(symbol: String?, limit: Int) throws(RecorderError) -> [AccountOrder] {
        try inner.orders(symbol: symbol, limit: limit)
    }
    func postings() throws(RecorderError) -> [Posting] { try inner.postings() }
    func alerts(limit: Int) throws(RecorderError) -> [Alert] { try inner.alerts(limit: limit) }
    func reports(limit: Int) throws(RecorderError) -> [ReconciliationReport] { try inner.reports(limit: limit) }
    func latestBalances() throws(RecorderError) -> [BalanceEntry] { try inner.latestBalances() }
    func latestPositions() throws(RecorderError) -> [PositionEntry] { try inner.latestPositions() }
    func journalMark(generation: UInt64) throws(RecorderError) -> UInt64? {
        try inner.journalMark(generation: generation)
    }
    func bars(symbol: String, intervalSeconds: Int, since ns: Int64?, limit: Int) throws(RecorderError) -> [Bar] {
        try inner.bars(symbol: symbol, intervalSeconds: intervalSeconds, since: ns, limit: limit)
    }
    func ticks(symbol: String, since ns: Int64?) throws(RecorderError) -> [TickRecord] {
        try inner.ticks(symbol: symbol, since: ns)
    }
    var schemaVersion: Int { get throws(RecorderError) { try inner.schemaVersion } }
}

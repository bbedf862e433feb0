import Account

/// What the recorder persists to: the embedded SQLite store (`SQLiteRecorder`) and, later, a
/// PostgreSQL one implement it alike.
///
/// Methods are synchronous: a store is driven from the recorder's own thread (`RecorderWriter`)
/// and from control-plane queries, never from a pinned hot-path thread.
public protocol RecorderStore: Sendable {
    /// Writes a batch in one transaction: every item is stored, or none (and this throws).
    /// Idempotent for replays: fills by (venue, trade id), postings by (transaction id, account,
    /// asset), orders by client order id (newest `lastEventSeq` wins), journal marks by generation
    /// (highest seq wins).
    func write(_ batch: RecorderBatch) throws(RecorderError)

    /// Fills with `venueNs ≥ since` (all when nil) of `symbol` (all when nil), ordered by venue
    /// time, then trade id.
    func fills(since ns: Int64?, symbol: String?) throws(RecorderError) -> [Fill]

    /// The keys ("venue:tradeId") of every stored fill: what a restart or a reconciliation
    /// deduplicates against.
    func fillKeys() throws(RecorderError) -> Set<String>

    /// Orders of `symbol` (all when nil), the most recently updated first, at most `limit`.
    func orders(symbol: String?, limit: Int) throws(RecorderError) -> [AccountOrder]

    /// Every ledger posting, in insertion order.
    func postings() throws(RecorderError) -> [Posting]

    /// The newest `limit` alerts, newest first.
    func alerts(limit: Int) throws(RecorderError) -> [Alert]

    /// The newest `limit` reconciliation reports, newest first.
    func reports(limit: Int) throws(RecorderError) -> [ReconciliationReport]

    /// Each asset's most recently written balance, by asset.
    func latestBalances() throws(RecorderError) -> [BalanceEntry]

    /// Each (strategy, symbol) position's most recently written state, by key.
    func latestPositions() throws(RecorderError) -> [PositionEntry]

    /// The highest seq of exec journal generation `generation` known stored (nil: none).
    func journalMark(generation: UInt64) throws(RecorderError) -> UInt64?

    /// `symbol`'s bars of `intervalSeconds` in time order: from `since` (bars opening at or after
    /// it) the first `limit`; without `since` the latest `limit`.
    func bars(symbol: String, intervalSeconds: Int, since ns: Int64?, limit: Int) throws(RecorderError) -> [Bar]

    /// `symbol`'s ticks at or after `since` (all when nil), in the order they were written.
    func ticks(symbol: String, since ns: Int64?) throws(RecorderError) -> [TickRecord]

    /// How many schema migrations the store has applied.
    var schemaVersion: Int { get throws(RecorderError) }
}

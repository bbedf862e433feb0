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

/// One thing for the recorder to store. The account processor makes these off the hot path and
/// hands them to a `RecorderWriter`, which writes them in batches, one transaction a batch.
public enum RecorderItem: Sendable {
    /// An order's latest state, recorded at `ns`; upserted by client order id (an update with an
    /// older `lastEventSeq` than the stored one is ignored, so a replay never rolls an order back).
    case order(AccountOrder, ns: Int64)
    /// A fill, stored once per (venue, trade id) however often it is written.
    case fill(Fill)
    /// Ledger postings, stored once per (transaction id, account, asset), in insertion order.
    case postings([Posting])
    /// Balances as of `ns`.
    case balances([BalanceEntry], ns: Int64)
    /// Positions as of `ns`.
    case positions([PositionEntry], ns: Int64)
    /// A reconciliation's outcome.
    case report(ReconciliationReport)
    /// An alert; a later write of the same id updates it (acknowledged, message).
    case alert(Alert)
    /// A market data tick: compressed into per-symbol blocks, and trades fold into 1 s and 1 m bars.
    case tick(TickRecord)
    /// Everything of exec journal generation `generation` up to `seq` is stored (put it last in
    /// the batch that stores those records: it commits with them). Only the highest seq is kept.
    case journalMark(generation: UInt64, seq: UInt64)
}

/// Items written in one transaction: all of them are stored, or none.
public struct RecorderBatch: Sendable {
    /// The items, in the order they are applied.
    public var items: [RecorderItem]

    /// A batch of `items`.
    public init(items: [RecorderItem]) {
        self.items = items
    }
}

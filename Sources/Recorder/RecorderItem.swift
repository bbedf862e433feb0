import Account
import EngineModel

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

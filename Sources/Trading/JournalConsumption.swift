import EngineKit
import Synchronization

/// The exec journal's `consumed` mark when several engine consumers read it (the order path, the
/// account processor with its recorder): the journal may reuse a slot only once every consumer has
/// applied — and the recorder stored — the record in it, so the mark is the lowest of theirs.
public final class JournalConsumption: Sendable {
    private let segment: Segment
    private let marks: Mutex<[UInt64]>

    /// Consumption of `segment`'s journal by `consumers` readers, each starting at 0.
    public init(segment: Segment, consumers: Int) {
        precondition(consumers > 0, "a journal needs a consumer")
        self.segment = segment
        marks = Mutex(Array(repeating: 0, count: consumers))
    }

    /// Consumer `index` has applied (and made durable) every record up to `seq`; marks only rise.
    public func consumed(_ index: Int, upTo seq: UInt64) {
        let low: UInt64 = marks.withLock { m in
            m[index] = max(m[index], seq)
            return m.min() ?? 0
        }
        segment.setExecConsumed(low)
    }

    /// The lowest mark.
    public var mark: UInt64 { marks.withLock { $0.min() ?? 0 } }
}

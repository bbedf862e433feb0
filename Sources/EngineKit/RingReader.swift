import CEngineShm
import Dispatch

/// What one poll of a broadcast ring found.
public enum RingPoll: Equatable, Sendable {
    /// The next message.
    case event(MarketEvent)
    /// Nothing new yet.
    case empty
    /// The writer lapped this reader; `lost` messages were skipped and the reader resynchronised.
    case lapped(lost: UInt64)
    /// The engine restarted or stopped (segment dead or replaced); call `reattach()`.
    case restarted
}

/// A private cursor over an md ring: polls without locks, reports laps and restarts.
///
/// Not thread-safe: one reader object per thread.
public final class RingReader {
    /// The mapped segment.
    public private(set) var segment: Segment
    private var cursor = tw_ring_cursor_t()
    private let payload = UnsafeMutableRawPointer.allocate(byteCount: 128, alignment: 8)
    private var idlePolls = 0
    /// When the file was last checked for a replacement (monotonic ns).
    private var lastReplacedCheck: UInt64 = 0
    private let fromOldest: Bool

    /// Messages skipped because the writer lapped this reader, over its whole life.
    public private(set) var lost: UInt64 = 0
    /// Generation of the attached segment.
    public var generation: UInt64 { segment.generation }
    /// Number of the next message expected.
    public var nextSeq: UInt64 { cursor.next }

    /// Attaches read-only to an instance's md ring. The corresponding C function is `tw_ring_cursor_init`.
    public init(instance: String, kind: SegmentKind = .md, fromOldest: Bool = false) throws(ShmError) {
        self.segment = try Segment.attach(instance: instance, kind: kind)
        self.fromOldest = fromOldest
        try position()
    }

    deinit { payload.deallocate() }

    private func position() throws(ShmError) {
        guard tw_ring_cursor_init(&cursor, segment.base, fromOldest ? 1 : 0) == 0 else {
            throw .notTickwire("\(segment.path): ring geometry is not valid")
        }
    }

    /// Takes the next message if there is one. The corresponding C function is `tw_ring_poll`.
    public func poll() -> RingPoll {
        var header = tw_slot_header_t()
        let rc = tw_ring_poll(&cursor, &header, payload, 128)
        if rc == 1 {
            idlePolls = 0
            return .event(MarketEvent(header: header, payload: payload))
        }
        if rc == -EPIPE {
            let newLoss = cursor.lost - lost
            lost = cursor.lost
            return .lapped(lost: newLoss)
        }
        idlePolls += 1
        if segment.state == .dead { return .restarted }
        // A replaced file is found by mapping the path again: at most once a second, since every
        // map and unmap flushes the TLBs of every core this process runs on.
        if idlePolls % 1024 == 0 {
            let now = DispatchTime.now().uptimeNanoseconds
            if now - lastReplacedCheck >= 1_000_000_000 {
                lastReplacedCheck = now
                if replaced { return .restarted }
            }
        }
        return .empty
    }

    /// Whether the file at the path now belongs to another engine start.
    public var replaced: Bool {
        guard let current = try? Segment.attach(instance: segment.instance, kind: segment.kind) else { return false }
        return current.generation != segment.generation
    }

    /// Maps the current segment after a restart, starting at its oldest message.
    public func reattach() throws(ShmError) {
        segment = try Segment.attach(instance: segment.instance, kind: segment.kind)
        guard tw_ring_cursor_init(&cursor, segment.base, 1) == 0 else {
            throw .notTickwire("\(segment.path): ring geometry is not valid")
        }
        lost = 0
    }
}

import CEngineShm

/// What one poll of the exec journal found.
public enum ExecPoll: Equatable, Sendable {
    /// The next record.
    case record(ExecRecord)
    /// Nothing new yet.
    case empty
    /// The writer lapped this (external) reader; `lost` records were skipped. Never happens to the
    /// engine's own consumers, which the writer does not overwrite.
    case lapped(lost: UInt64)
    /// The engine stopped or restarted (segment dead).
    case stopped
}

/// A private cursor over an instance's exec journal: read like a ring, without locks.
///
/// Not thread-safe: one reader object per thread.
public final class ExecJournalReader: @unchecked Sendable {
    /// The mapped segment.
    public let segment: Segment
    private var cursor = tw_ring_cursor_t()
    private let payload = UnsafeMutableRawPointer.allocate(byteCount: Int(TW_EXEC_PAYLOAD_MAX), alignment: 8)

    /// Attaches read-only to an instance's exec journal, at its next record or its oldest.
    /// The corresponding C function is `tw_ring_cursor_init`.
    public convenience init(instance: String, fromOldest: Bool = false) throws(ShmError) {
        try self.init(segment: try Segment.attach(instance: instance, kind: .exec), fromOldest: fromOldest)
    }

    /// Reads a segment already mapped.
    public init(segment: Segment, fromOldest: Bool = false) throws(ShmError) {
        self.segment = segment
        guard tw_ring_cursor_init(&cursor, segment.base, fromOldest ? 1 : 0) == 0 else {
            throw .notTickwire("\(segment.path): exec journal geometry is not valid")
        }
    }

    deinit { payload.deallocate() }

    /// Number of the next record this reader will return.
    public var nextSeq: UInt64 { cursor.next }

    /// Moves to record `seq` (the engine resumes after what it had consumed).
    public func seek(to seq: UInt64) { cursor.next = max(1, seq) }

    /// The journal's last record number (0: none yet).
    public var head: UInt64 { tw_ring_head(cursor.ring) }

    /// Takes the next record if there is one. The corresponding C function is `tw_ring_poll`.
    public func poll() -> ExecPoll {
        var header = tw_slot_header_t()
        let rc = tw_ring_poll(&cursor, &header, payload, UInt32(TW_EXEC_PAYLOAD_MAX))
        if rc == 1 { return .record(ExecRecord(header: header, payload: payload)) }
        if rc == -EPIPE { return .lapped(lost: cursor.lost) }
        return segment.state == .dead ? .stopped : .empty
    }

    /// The journal's header counters.
    public var counters: ExecJournalCounters { ExecJournalCounters(segment: segment) }
}

/// The exec journal's header words (`tw_exec_header_t`).
public struct ExecJournalCounters: Equatable, Sendable {
    /// Last record the engine applied and persisted.
    public var consumed: UInt64
    /// Free slots below which new orders are refused.
    public var reserve: UInt64
    /// New orders refused for want of journal space.
    public var refusedFull: UInt64
    /// Records that found no free slot (must stay 0).
    public var overflowed: UInt64
    /// Last record written.
    public var head: UInt64
    /// Slots.
    public var capacity: UInt64

    init(segment: Segment) {
        let region = UnsafeRawPointer(segment.base).advanced(by: Int(segment.header.pointee.region_offset))
        func load(_ offset: Int) -> UInt64 { tw_load_u64(region.advanced(by: offset).assumingMemoryBound(to: UInt64.self)) }
        consumed = load(128)
        reserve = load(136)
        refusedFull = load(144)
        overflowed = load(152)
        head = load(64)
        capacity = UInt64(region.assumingMemoryBound(to: tw_ring_header_t.self).pointee.slot_count)
    }
}

extension Segment {
    /// The engine's consumers have applied and persisted every exec record up to `seq`: the
    /// journal may reuse their slots. The corresponding C function is `tw_exec_set_consumed`.
    public func setExecConsumed(_ seq: UInt64) { tw_exec_set_consumed(base, seq) }
}

/// The exec journal's writer when no C gateway owns it (simulation and observation modes, tests).
///
/// A journal has exactly one writer: never use this beside a running gateway on the same instance.
public final class ExecJournalWriter: @unchecked Sendable {
    /// The mapped segment.
    public let segment: Segment
    private let writer = UnsafeMutablePointer<tw_exec_writer_t>.allocate(capacity: 1)

    /// Writes into a segment mapped read-write. The corresponding C function is `tw_exec_writer_init`.
    public init(segment: Segment) throws(ShmError) {
        self.segment = segment
        writer.initialize(to: tw_exec_writer_t())
        guard tw_exec_writer_init(writer, segment.base) == 0 else {
            throw .notTickwire("\(segment.path): exec journal geometry is not valid")
        }
    }

    deinit { writer.deallocate() }

    /// Whether a new order may go out (more free slots than the reserve); counts a refusal.
    /// The corresponding C function is `tw_exec_admit`.
    public func admit() -> Bool { tw_exec_admit(writer) != 0 }

    /// Appends a report (publish time set here); its number, or nil when the journal is full up to
    /// what the engine consumed. The corresponding C function is `tw_exec_append`.
    @discardableResult
    public func append(_ report: ExecReport) -> UInt64? {
        var r = report.raw
        r.publish_ns = tw_realtime_ns()
        let n = tw_exec_append(
            writer, report.type.rawValue, UInt16(clamping: report.instrument), &r,
            UInt32(MemoryLayout<tw_exec_report_t>.size))
        return n == 0 ? nil : n
    }
}

import CEngineShm

#if canImport(Glibc)
import Glibc
#endif

/// One mapped segment file. The writer creates and commits it; readers attach read-only.
///
/// The mapping lives as long as this object. Accessors read the shared header with the
/// ABI's atomic loads, so a reader never races the writer.
public final class Segment: @unchecked Sendable {
    private let shm: UnsafeMutablePointer<tw_shm_t>
    /// The segment kind.
    public let kind: SegmentKind
    /// The instance name.
    public let instance: String

    /// Start of the mapping.
    public var base: UnsafeMutableRawPointer { shm.pointee.base }
    /// Bytes mapped.
    public var size: UInt64 { shm.pointee.size }
    /// Whether this mapping may be written.
    public var isWritable: Bool { shm.pointee.writable != 0 }
    /// The file's path.
    public var path: String { cString(shm.pointee.path) }

    private init(shm: tw_shm_t, kind: SegmentKind, instance: String) {
        self.shm = .allocate(capacity: 1)
        self.shm.initialize(to: shm)
        self.kind = kind
        self.instance = instance
    }

    /// Creates a segment under a temporary name; fill its region, then `commit()`.
    /// The corresponding C function is `tw_shm_create`.
    public static func create(
        instance: String, kind: SegmentKind, regionSize: UInt64, generation: UInt64
    ) throws(ShmError) -> Segment {
        var shm = tw_shm_t()
        let rc = tw_shm_create(instance, kind.rawValue, regionSize, generation, &shm)
        guard rc == 0 else { throw ShmError.fromC(rc, "create \(kind.name)") }
        return Segment(shm: shm, kind: kind, instance: instance)
    }

    /// Maps an existing segment (read-only unless `writable`) and validates it.
    /// The corresponding C function is `tw_shm_attach`.
    public static func attach(instance: String, kind: SegmentKind, writable: Bool = false) throws(ShmError) -> Segment {
        var shm = tw_shm_t()
        let rc = tw_shm_attach(instance, kind.rawValue, writable ? 1 : 0, &shm)
        guard rc == 0 else { throw ShmError.fromC(rc, "attach \(kind.name)") }
        return Segment(shm: shm, kind: kind, instance: instance)
    }

    /// Publishes a created segment in place of any previous one (which is marked dead).
    /// The corresponding C function is `tw_shm_commit`.
    public func commit() throws(ShmError) {
        let rc = tw_shm_commit(shm)
        guard rc == 0 else { throw ShmError.fromC(rc, "commit \(kind.name)") }
    }

    deinit {
        tw_shm_detach(shm)
        shm.deallocate()
    }

    /// The C handle, for layout calls made before commit.
    var rawShm: UnsafeMutablePointer<tw_shm_t> { shm }

    /// The segment header.
    public var header: UnsafeMutablePointer<tw_segment_header_t> {
        base.assumingMemoryBound(to: tw_segment_header_t.self)
    }

    /// Generation of the engine start that wrote this segment.
    public var generation: UInt64 { header.pointee.generation }
    /// Writer's pid.
    public var writerPID: Int32 { header.pointee.writer_pid }
    /// Creation time, ns since the epoch.
    public var createdNs: Int64 { header.pointee.created_ns }
    /// ABI version the writer used.
    public var abiVersion: (major: UInt16, minor: UInt16) { (header.pointee.abi_major, header.pointee.abi_minor) }
    /// Last heartbeat, ns since the epoch.
    public var heartbeatNs: Int64 {
        let word = UnsafeRawPointer(header).advanced(by: 96).assumingMemoryBound(to: UInt64.self)
        return Int64(bitPattern: tw_load_u64(word))
    }
    /// Writer state (acquire load).
    public var state: SegmentState { SegmentState(rawValue: tw_segment_state(header)) ?? .dead }

    /// Whether the writer process is still alive.
    public var writerAlive: Bool { tw_pid_alive(writerPID) != 0 }

    /// Publishes a new writer state (release store). Writer only.
    public func setState(_ state: SegmentState) { tw_segment_set_state(header, state.rawValue) }

    /// Refreshes the heartbeat. Writer only.
    public func heartbeat(nowNs: Int64) { tw_segment_heartbeat(header, nowNs) }

    /// Removes a segment's file. The corresponding C function is `tw_shm_unlink`.
    public static func unlink(instance: String, kind: SegmentKind) throws(ShmError) {
        let rc = tw_shm_unlink(instance, kind.rawValue)
        guard rc == 0 else { throw ShmError.fromC(rc, "unlink \(kind.name)") }
    }

    /// The path a segment has or would have. The corresponding C function is `tw_shm_path`.
    public static func path(instance: String, kind: SegmentKind) throws(ShmError) -> String {
        var buf = [CChar](repeating: 0, count: Int(TW_PATH_MAX))
        let rc = tw_shm_path(instance, kind.rawValue, &buf, buf.count)
        guard rc == 0 else { throw ShmError.fromC(rc, "path") }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Reads a NUL-terminated C char array imported as a tuple.
@usableFromInline
func cString<T>(_ tuple: T) -> String {
    withUnsafeBytes(of: tuple) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
}

/// Writes a string into a C char array imported as a tuple, truncating and NUL-terminating.
@usableFromInline
func setCString<T>(_ tuple: inout T, _ value: String) {
    withUnsafeMutableBytes(of: &tuple) { buf in
        for i in buf.indices { buf[i] = 0 }
        for (i, byte) in value.utf8.prefix(buf.count - 1).enumerated() { buf[i] = byte }
    }
}

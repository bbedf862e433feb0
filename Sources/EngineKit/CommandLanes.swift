import CEngineShm
import EngineModel

#if canImport(Glibc)
import Glibc
#endif

/// Why a command was not queued. Nothing was written in any case.
public enum CommandSubmitError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The engine stopped or restarted since this producer attached: its lanes are gone.
    case stale
    /// This producer's lane is full: the engine is not consuming.
    case full
    /// Every lane belongs to a live producer.
    case noLane(String)
    /// The lane was taken from this producer (it was presumed dead).
    case laneLost
    /// The client order id does not fit (at most 39 bytes) or has characters outside [A-Za-z0-9_-].
    case badClientOrderId(String)

    public var description: String {
        switch self {
        case .stale: "the engine stopped or restarted since this producer attached: command not sent"
        case .full: "command lane full: the engine is not consuming; command not sent"
        case .noLane(let m): m
        case .laneLost: "this producer's command lane was reclaimed: command not sent"
        case .badClientOrderId(let m): m
        }
    }
}

/// A producer of commands: owns one lane of an instance's cmd segment (mapped read-write).
///
/// A lane has exactly one writer, so this object is not thread-safe: one producer per thread.
/// A producer that dies mid-submit never advanced its lane's tail: its half-written command is
/// never seen and no other lane waits on it; the lane is reclaimed by the next producer.
public final class CommandProducer: @unchecked Sendable {
    /// The mapped cmd segment.
    public let segment: Segment
    /// The lane this producer owns.
    public let lane: UInt32
    /// This producer's token (pid << 32 | nonce): answers in the exec journal carry it.
    public let token: UInt64
    /// Generation of the engine start this producer attached to.
    public let generation: UInt64
    private var nextId: UInt64 = 1

    /// Attaches read-write and claims a lane. The corresponding C function is `tw_cmd_lane_claim`.
    public convenience init(instance: String) throws(CommandSubmitError) {
        let segment: Segment
        do { segment = try Segment.attach(instance: instance, kind: .cmd, writable: true) } catch {
            throw .noLane("cannot attach the command segment of '\(instance)': \(error)")
        }
        try self.init(segment: segment)
    }

    /// Claims a lane of a segment already mapped read-write.
    public init(segment: Segment) throws(CommandSubmitError) {
        var lane: UInt32 = 0
        var token: UInt64 = 0
        let rc = tw_cmd_lane_claim(segment.base, &lane, &token)
        if rc == -ESTALE { throw .stale }
        guard rc == 0 else { throw .noLane(String(cString: tw_error_message())) }
        self.segment = segment
        self.lane = lane
        self.token = token
        self.generation = segment.generation
    }

    deinit { tw_cmd_lane_release(segment.base, lane, token) }

    /// Queues a command and returns its command id (assigned here when the command has 0).
    /// The corresponding C function is `tw_cmd_lane_push`.
    @discardableResult
    public func submit(_ command: OrderCommand) throws(CommandSubmitError) -> UInt64 {
        let id = command.clientOrderId
        guard id.utf8.count < Int(TW_CLIENT_ID_MAX) else {
            throw .badClientOrderId("client order id of \(id.utf8.count) bytes; at most 39 fit")
        }
        // A risk command carries its reason there: printable ASCII.
        guard command.op.isRisk ? id.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) : id.utf8.allSatisfy(isClientIdByte)
        else {
            throw .badClientOrderId("client order id '\(id)' has characters outside [A-Za-z0-9_-]")
        }
        var c = command.raw
        if c.command_id == 0 {
            c.command_id = nextId
            nextId += 1
        }
        switch tw_cmd_lane_push(segment.base, lane, token, generation, &c) {
        case 0: return c.command_id
        case -ESTALE: throw .stale
        case -EPERM: throw .laneLost
        default: throw .full
        }
    }
}

/// One command taken from a lane, or the reason it cannot be run.
public struct IncomingCommand: Sendable {
    /// The lane it came from.
    public let lane: UInt32
    /// The producer's token (0 never; answers name it).
    public let producer: UInt64
    /// The command id the producer gave it.
    public let commandId: UInt64
    /// The decoded command, or why it was refused (unknown enum values, instrument out of range).
    public let command: Result<OrderCommand, CommandDecodeError>
}

/// The consumer of an instance's command lanes (the engine's execution stage; exactly one).
public final class CommandConsumer: @unchecked Sendable {
    /// The mapped cmd segment.
    public let segment: Segment
    private let instrumentCount: Int
    private let laneCount: UInt32
    private var nextLane: UInt32 = 0

    /// Consumes `segment`'s lanes for an instance of `instrumentCount` instruments (a read-only mapping
    /// serves the counters only).
    public init(segment: Segment, instrumentCount: Int) {
        self.segment = segment
        self.instrumentCount = instrumentCount
        self.laneCount = tw_cmd_of(segment.base).pointee.lane_count
        if segment.isWritable { tw_cmd_of(segment.base).pointee.consumer_pid = UInt64(getpid()) }
    }

    /// Takes the next command, visiting lanes round robin so no producer starves another.
    /// The corresponding C function is `tw_cmd_lane_pop`.
    public func next() -> IncomingCommand? {
        var header = tw_slot_header_t()
        var c = tw_command_t()
        var owner: UInt64 = 0
        for _ in 0..<laneCount {
            let lane = nextLane
            nextLane = (nextLane + 1) % laneCount
            guard tw_cmd_lane_pop(segment.base, lane, &header, &c, &owner) == 1 else { continue }
            return IncomingCommand(
                lane: lane, producer: owner, commandId: c.command_id,
                command: OrderCommand.decode(c, instrumentCount: instrumentCount))
        }
        return nil
    }

    /// Intake counters: submits refused for a full lane, claims refused, lanes reclaimed from dead producers.
    public var counters: (rejectedFull: UInt64, rejectedNoLane: UInt64, lanesReclaimed: UInt64) {
        let h = UnsafeRawPointer(tw_cmd_of(segment.base)!)
        func load(_ offset: Int) -> UInt64 { tw_load_u64(h.advanced(by: offset).assumingMemoryBound(to: UInt64.self)) }
        return (load(64), load(72), load(80))
    }

    /// Lanes, and those with an owner now.
    public var lanes: (count: Int, owned: Int) {
        var owned = 0
        for i in 0..<laneCount {
            let l = UnsafeRawPointer(tw_cmd_lane(segment.base, i)!)
            if tw_load_u64(l.assumingMemoryBound(to: UInt64.self)) != 0 { owned += 1 }
        }
        return (Int(laneCount), owned)
    }

    /// Commands waiting over all lanes.
    public var depth: UInt64 {
        (0..<laneCount).reduce(0) { $0 + tw_cmd_lane_depth(segment.base, $1) }
    }
}

import CEngineShm
import EngineModel

#if canImport(Glibc)
import Glibc
#endif

/// Geometry of an engine instance's segments.
public struct InstanceConfig: Sendable {
    /// Instance name: segments are `tickwire.<instance>.<kind>`.
    public var instance: String
    /// Instruments, in book-table order.
    public var instruments: [Instrument]
    /// Book levels a side in shared memory.
    public var depth: UInt32
    /// Slots of the md ring (power of two).
    public var mdSlots: UInt32
    /// Command lanes: producers at once (1...256).
    public var cmdLanes: UInt32
    /// Slots of each command lane (power of two).
    public var laneSlots: UInt32
    /// Slots of the exec journal (power of two).
    public var execSlots: UInt32
    /// Free journal slots below which new orders are refused.
    public var execReserve: UInt32
    /// Balances the account segment holds (more are cut from a snapshot and flagged).
    public var accountBalances: UInt32
    /// Positions the account segment holds.
    public var accountPositions: UInt32
    /// Orders the account segment holds.
    public var accountOrders: UInt32

    /// Creates a configuration; defaults follow DESIGN.md (20 levels a side).
    public init(
        instance: String, instruments: [Instrument], depth: UInt32 = UInt32(TW_DEFAULT_DEPTH),
        mdSlots: UInt32 = 65536, cmdLanes: UInt32 = 64, laneSlots: UInt32 = 256, execSlots: UInt32 = 65536,
        execReserve: UInt32 = 16384, accountBalances: UInt32 = UInt32(TW_ACCOUNT_DEFAULT_BALANCES),
        accountPositions: UInt32 = UInt32(TW_ACCOUNT_DEFAULT_POSITIONS),
        accountOrders: UInt32 = UInt32(TW_ACCOUNT_DEFAULT_ORDERS)
    ) {
        self.instance = instance
        self.instruments = instruments
        self.depth = depth
        self.mdSlots = mdSlots
        self.cmdLanes = cmdLanes
        self.laneSlots = laneSlots
        self.execSlots = execSlots
        self.execReserve = execReserve
        self.accountBalances = accountBalances
        self.accountPositions = accountPositions
        self.accountOrders = accountOrders
    }
}

/// The writer side of an instance: holds the instance lock and every segment it created.
///
/// `create` refuses while another engine holds the instance, and takes over cleanly when the
/// previous engine died: its segments are marked dead and replaced, and the generation moves on.
public final class EngineInstance: @unchecked Sendable {
    /// The configuration it was created with.
    public let config: InstanceConfig
    /// Generation of this start.
    public let generation: UInt64
    /// Market-data ring, books, command lanes, exec journal and stats.
    public let md: Segment, books: Segment, cmd: Segment, exec: Segment, stats: Segment
    /// The account processor's snapshot (ABI 2.1); publish into it with `AccountSegmentWriter`.
    public let account: Segment
    /// Pid of a previous engine that died without cleaning up, if one was taken over.
    public let tookOverFrom: Int32?
    private var lockFD: Int32

    /// All segments, in the order they are published.
    public var segments: [Segment] { [stats, books, exec, account, cmd, md] }

    private init(
        config: InstanceConfig, generation: UInt64, segments: [Segment], lockFD: Int32, tookOverFrom: Int32?
    ) {
        self.config = config
        self.generation = generation
        (stats, books, exec, account) = (segments[0], segments[1], segments[2], segments[3])
        (cmd, md) = (segments[4], segments[5])
        self.lockFD = lockFD
        self.tookOverFrom = tookOverFrom
    }

    /// Checks an instance name (1-31 of A-Z a-z 0-9 _ -) before anything is created.
    public static func validate(name: String) throws(ShmError) {
        guard tw_instance_name_valid(name) != 0 else {
            throw .invalidInstance("invalid instance name '\(name)' (1-31 of A-Z a-z 0-9 _ -)")
        }
    }

    /// Locks the instance and publishes fresh segments in state `starting`.
    public static func create(_ config: InstanceConfig) throws(ShmError) -> EngineInstance {
        let name = config.instance
        try validate(name: name)
        guard !config.instruments.isEmpty, config.instruments.count <= Int(TW_MAX_INSTRUMENTS) else {
            throw .invalidGeometry("an instance needs 1...\(TW_MAX_INSTRUMENTS) instruments")
        }
        var holder: Int32 = 0
        let fd = tw_instance_lock(name, &holder)
        if fd == -EBUSY {
            throw .instanceBusy(pid: holder, message: "instance '\(name)' is already running (pid \(holder))")
        }
        guard fd >= 0 else { throw ShmError.fromC(fd, "lock") }
        let previous = deadPredecessor(instance: name)
        do {
            let generation = tw_next_generation(name)
            let segments = try build(config, generation: generation)
            for segment in segments { try segment.commit() }
            return EngineInstance(
                config: config, generation: generation, segments: segments, lockFD: fd, tookOverFrom: previous)
        } catch {
            tw_instance_unlock(name, fd, 0)
            throw error
        }
    }

    /// The pid of an engine whose segments are still marked running although it is gone.
    private static func deadPredecessor(instance: String) -> Int32? {
        guard let old = try? Segment.attach(instance: instance, kind: .stats) else { return nil }
        return old.state != .dead && !old.writerAlive ? old.writerPID : nil
    }

    private static func build(_ config: InstanceConfig, generation: UInt64) throws(ShmError) -> [Segment] {
        let count = UInt32(config.instruments.count)
        let name = config.instance
        let stats = try Segment.create(
            instance: name, kind: .stats, regionSize: tw_stats_region_size(count), generation: generation)
        try check(tw_stats_init(stats.rawShm, count), "stats for \(count) instruments")
        let books = try Segment.create(
            instance: name, kind: .books, regionSize: tw_books_region_size(count, config.depth), generation: generation)
        try check(tw_books_init(books.rawShm, count, config.depth), "books of depth \(config.depth)")
        for (i, instrument) in config.instruments.enumerated() {
            fill(tw_books_instrument_mut(books.base, UInt32(i)), instrument, index: i)
        }
        let exec = try Segment.create(
            instance: name, kind: .exec, regionSize: tw_exec_region_size(config.execSlots), generation: generation)
        try check(
            tw_exec_init(exec.rawShm, config.execSlots, config.execReserve),
            "exec journal of \(config.execSlots) slots (reserve \(config.execReserve))")
        let account = try Segment.create(
            instance: name, kind: .account,
            regionSize: tw_account_region_size(config.accountBalances, config.accountPositions, config.accountOrders),
            generation: generation)
        try check(
            tw_account_init(account.rawShm, config.accountBalances, config.accountPositions, config.accountOrders),
            "account of \(config.accountBalances) balances, \(config.accountPositions) positions, "
                + "\(config.accountOrders) orders (at most \(TW_ACCOUNT_MAX_CAPACITY) each)")
        let cmd = try Segment.create(
            instance: name, kind: .cmd, regionSize: tw_cmd_region_size(config.cmdLanes, config.laneSlots),
            generation: generation)
        try check(
            tw_cmd_init(cmd.rawShm, config.cmdLanes, config.laneSlots),
            "\(config.cmdLanes) command lanes of \(config.laneSlots) slots")
        let slotSize = UInt32(TW_MD_SLOT_SIZE)
        let md = try Segment.create(
            instance: name, kind: .md, regionSize: tw_ring_region_size(slotSize, config.mdSlots),
            generation: generation)
        try check(tw_ring_init(md.rawShm, slotSize, config.mdSlots), "md ring of \(config.mdSlots) slots")
        return [stats, books, exec, account, cmd, md]
    }

    private static func check(_ rc: Int32, _ what: String) throws(ShmError) {
        guard rc == 0 else { throw .invalidGeometry("cannot lay out \(what) (slot counts must be powers of two)") }
    }

    private static func fill(_ info: UnsafeMutablePointer<tw_instrument_info_t>, _ instrument: Instrument, index: Int) {
        setCString(&info.pointee.symbol, instrument.symbol)
        setCString(&info.pointee.venue, instrument.venue)
        info.pointee.price_exponent = instrument.priceExponent
        info.pointee.qty_exponent = instrument.quantityExponent
        info.pointee.index = UInt16(index)
        info.pointee.tick_size = instrument.tickSize.mantissa
        info.pointee.step_size = instrument.stepSize.mantissa
        info.pointee.min_notional = instrument.minNotional.mantissa
    }

    /// Publishes a state on every segment (release stores).
    public func setState(_ state: SegmentState) {
        for segment in segments { segment.setState(state) }
    }

    /// Refreshes every segment's heartbeat.
    public func heartbeat() {
        let now = tw_realtime_ns()
        for segment in segments { segment.heartbeat(nowNs: now) }
    }

    /// Stops the instance: `stopping`, then `dead`, files removed unless kept, lock released.
    public func shutdown(keepSegments: Bool) {
        guard lockFD >= 0 else { return }
        setState(.stopping)
        setState(.dead)
        if !keepSegments {
            for segment in segments { try? Segment.unlink(instance: config.instance, kind: segment.kind) }
        }
        tw_instance_unlock(config.instance, lockFD, keepSegments ? 0 : 1)
        lockFD = -1
    }

    deinit { shutdown(keepSegments: true) }
}

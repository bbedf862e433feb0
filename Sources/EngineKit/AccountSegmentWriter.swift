import CEngineShm

#if canImport(Glibc)
import Glibc
#endif

/// The account processor's side of the account segment: publishes whole snapshots under its seqlock.
///
/// One writer per segment (the account processor). The entry buffers are allocated once, at the segment's
/// capacities, so a publish allocates nothing in C and copies each snapshot exactly once into shared memory.
public final class AccountSegmentWriter {
    /// The mapped segment (read-write, kind `account`).
    public let segment: Segment
    /// Entries each array holds; a snapshot with more is cut and marked truncated.
    public let capacities: (balances: Int, positions: Int, orders: Int)
    private let balances: UnsafeMutablePointer<tw_account_balance_t>
    private let positions: UnsafeMutablePointer<tw_account_position_t>
    private let orders: UnsafeMutablePointer<tw_account_order_t>

    /// Writes into a segment created by `EngineInstance` (traps on another kind or a read-only mapping).
    public init(segment: Segment) {
        precondition(
            segment.kind == .account, "AccountSegmentWriter needs an account segment, not \(segment.kind.name)")
        precondition(segment.isWritable, "AccountSegmentWriter needs a writable mapping")
        self.segment = segment
        let header = tw_account_of(segment.base)!.pointee
        capacities = (Int(header.balance_capacity), Int(header.position_capacity), Int(header.order_capacity))
        balances = .allocate(capacity: max(capacities.balances, 1))
        positions = .allocate(capacity: max(capacities.positions, 1))
        orders = .allocate(capacity: max(capacities.orders, 1))
    }

    deinit {
        balances.deallocate()
        positions.deallocate()
        orders.deallocate()
    }

    /// The version of the last published snapshot (0: none yet).
    public var publishedVersion: UInt64 {
        let header = UnsafeRawPointer(tw_account_of(segment.base)!)
        let offset = MemoryLayout<tw_account_header_t>.offset(of: \.version)!
        return tw_load_u64(header.advanced(by: offset).assumingMemoryBound(to: UInt64.self))
    }

    /// Publishes a snapshot whole: readers see either it or the previous one, never a mix. Entries beyond the
    /// capacities are left out and the snapshot is marked truncated; `view.truncated` is ignored.
    /// Returns the number of entries left out (0: everything fit). Throws `.system(EINVAL)` when
    /// `view.version` is not above the published version (nothing is written).
    /// The corresponding C function is `tw_account_publish`.
    @discardableResult
    public func publish(_ view: AccountView) throws(ShmError) -> Int {
        let nb = min(view.balances.count, capacities.balances)
        let np = min(view.positions.count, capacities.positions)
        let no = min(view.orders.count, capacities.orders)
        for i in 0..<nb { balances[i] = view.balances[i].abi }
        for i in 0..<np { positions[i] = view.positions[i].abi }
        for i in 0..<no { orders[i] = view.orders[i].abi }
        var header = view.abiHeader
        // The full counts go to C, which clamps them to the capacities and records what was left out.
        let rc = tw_account_publish(
            segment.base, &header, balances, Self.count(view.balances.count), positions,
            Self.count(view.positions.count), orders, Self.count(view.orders.count))
        guard rc >= 0 else {
            throw .system(
                errno: -rc,
                message: "account snapshot version \(view.version) is not above the published \(publishedVersion)")
        }
        return Int(rc)
    }

    private static func count(_ n: Int) -> UInt32 { UInt32(clamping: n) }
}

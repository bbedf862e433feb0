import CEngineShm

/// Read-only view of an instance's account segment: consistent copies of the latest snapshot.
///
/// Each `read()` copies the header and every published entry under the seqlock into buffers allocated
/// once at the segment's capacities, then turns them into plain values; counts in the file are never
/// trusted beyond the capacities attach validated.
public final class AccountSegmentReader {
    /// The mapped segment.
    public let segment: Segment
    /// Entries each array holds.
    public let capacities: (balances: Int, positions: Int, orders: Int)
    private let balances: UnsafeMutablePointer<tw_account_balance_t>
    private let positions: UnsafeMutablePointer<tw_account_position_t>
    private let orders: UnsafeMutablePointer<tw_account_order_t>

    /// Attaches read-only to `tickwire.<instance>.account`.
    public convenience init(instance: String) throws(ShmError) {
        try self.init(segment: Segment.attach(instance: instance, kind: .account))
    }

    /// Reads an attached (or created) account segment; `.wrongKind` for another kind.
    public init(segment: Segment) throws(ShmError) {
        guard segment.kind == .account else {
            throw .wrongKind("\(segment.path) is a \(segment.kind.name) segment, not account")
        }
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

    /// A consistent copy of the latest snapshot (version 0 and no entries before the first publish), with
    /// bounded seqlock retries: `.readerStarved` when the writer never let a copy through.
    /// The corresponding C function is `tw_account_read`.
    public func read(maxRetries: UInt32 = 10_000) throws(ShmError) -> AccountView {
        var header = tw_account_header_t()
        let rc = tw_account_read(
            segment.base, &header, balances, UInt32(capacities.balances), positions, UInt32(capacities.positions),
            orders, UInt32(capacities.orders), maxRetries)
        guard rc > 0 else {
            throw .readerStarved("account of \(segment.instance): no stable copy after \(maxRetries) attempts")
        }
        return AccountView(
            header: header,
            balances: (0..<Int(header.balance_count)).map { AccountBalanceView(balances[$0]) },
            positions: (0..<Int(header.position_count)).map { AccountPositionView(positions[$0]) },
            orders: (0..<Int(header.order_count)).map { AccountOrderView(orders[$0]) })
    }
}

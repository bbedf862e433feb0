import CEngineShm
import Foundation
import Testing

/// The account segment (ABI 2.1) through the C API: layout, publish/read, truncation, and attach refusing
/// hostile geometry.
@Suite struct AccountABITests {
    @Test func accountLayoutsMatchTheABI() {
        #expect(TW_ABI_MAJOR == 2 && TW_ABI_MINOR >= 1, "the account segment is ABI 2.1")
        #expect(TW_SEG_ACCOUNT.rawValue == 5)
        #expect(String(cString: tw_segment_kind_name(TW_SEG_ACCOUNT.rawValue)) == "account")
        #expect(MemoryLayout<tw_account_header_t>.size == 256)
        #expect(MemoryLayout<tw_account_header_t>.offset(of: \.version) == 8)
        #expect(MemoryLayout<tw_account_header_t>.offset(of: \.quote_asset) == 64)
        #expect(MemoryLayout<tw_account_header_t>.offset(of: \.win_rate_bps) == 136)
        #expect(MemoryLayout<tw_account_header_t>.offset(of: \.balance_capacity) == Int(TW_ACCOUNT_SNAPSHOT_BYTES))
        #expect(MemoryLayout<tw_account_header_t>.offset(of: \.orders_offset) == 232)
        #expect(MemoryLayout<tw_account_balance_t>.size == 64)
        #expect(MemoryLayout<tw_account_position_t>.size == 128)
        #expect(MemoryLayout<tw_account_position_t>.offset(of: \.liquidation_price) == 96)
        #expect(MemoryLayout<tw_account_order_t>.size == 192)
        #expect(MemoryLayout<tw_account_order_t>.offset(of: \.venue_order_id) == 64)
        #expect(MemoryLayout<tw_account_order_t>.offset(of: \.qty_exponent) == 129)
    }

    /// An account segment with small capacities, laid out and committed; the writer's mapping.
    private func makeSegment(_ tag: String, _ nb: UInt32 = 4, _ np: UInt32 = 3, _ no: UInt32 = 5) throws
        -> ShmSegment
    {
        try ShmSegment.create(
            ShmTestEnv.instance(tag), TW_SEG_ACCOUNT, region: tw_account_region_size(nb, np, no)
        ) { tw_account_init($0, nb, np, no) }
    }

    private func balance(_ i: Int64) -> tw_account_balance_t {
        var b = tw_account_balance_t()
        withUnsafeMutableBytes(of: &b.asset) { $0.copyBytes(from: Array("A\(i)".utf8)) }
        b.total = 100 * i
        b.available = 60 * i
        b.hold = 40 * i
        b.updated_ns = i
        b.source = UInt8(TW_BALANCE_STREAM.rawValue)
        return b
    }

    private func position(_ i: Int64) -> tw_account_position_t {
        var p = tw_account_position_t()
        p.strategy_id = UInt32(i)
        p.size = -i
        p.qty_exponent = -5
        p.market = UInt8(TW_MARKET_USDM.rawValue)
        p.liquidation_price = 0
        p.flags = UInt16(TW_POSITION_FLAG_NO_LIQUIDATION)
        p.leverage = 10
        return p
    }

    private func order(_ i: Int64) -> tw_account_order_t {
        var o = tw_account_order_t()
        o.venue_order_id = UInt64(i)
        o.price = 1000 + i
        o.quantity = 7
        o.filled = 3
        o.side = UInt8(TW_SIDE_BUY.rawValue)
        o.state = UInt8(TW_OS_PARTIALLY_FILLED.rawValue)
        o.is_open = 1
        return o
    }

    private func header(version: UInt64) -> tw_account_header_t {
        var h = tw_account_header_t()
        h.version = version
        h.journal_seq = version * 3
        h.realized = -12_345_678
        h.win_rate_bps = 5_500
        h.max_drawdown_bps = -1
        h.balance_count = 999  // ignored by the writer
        withUnsafeMutableBytes(of: &h.quote_asset) { $0.copyBytes(from: Array("USDT".utf8)) }
        return h
    }

    @Test func publishThenReadRoundTrips() throws {
        let w = try makeSegment("acct-rt")
        let reader = try ShmSegment.attach(ShmTestEnv.instance("acct-rt"), TW_SEG_ACCOUNT)
        var out = tw_account_header_t()
        var bs = [tw_account_balance_t](repeating: .init(), count: 8)
        var ps = [tw_account_position_t](repeating: .init(), count: 8)
        var os = [tw_account_order_t](repeating: .init(), count: 8)

        // before any publish: version 0, no entries, unknown ratios
        #expect(tw_account_read(reader.base, &out, &bs, 8, &ps, 8, &os, 8, 10) == 1)
        #expect(out.version == 0 && out.balance_count == 0 && out.win_rate_bps == -1 && out.max_drawdown_bps == -1)

        var h = header(version: 7)
        let b = (1...3).map { balance($0) }
        let p = (1...2).map { position($0) }
        let o = (1...5).map { order($0) }
        #expect(tw_account_publish(w.base, &h, b, 3, p, 2, o, 5) == 0)
        #expect(tw_account_read(reader.base, &out, &bs, 8, &ps, 8, &os, 8, 10) == 1)
        #expect(out.version == 7 && out.journal_seq == 21 && out.realized == -12_345_678)
        #expect(out.seq == 2, "one publish: seq moved odd then even")
        #expect(out.win_rate_bps == 5_500 && out.max_drawdown_bps == -1)
        #expect(out.balance_count == 3 && out.position_count == 2 && out.order_count == 5)
        #expect(out.flags & UInt32(TW_ACCOUNT_FLAG_TRUNCATED) == 0)
        #expect(
            withUnsafeBytes(of: out.quote_asset) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
                == "USDT")
        #expect(bs[2].total == 300 && bs[2].hold == 120 && bs[0].source == UInt8(TW_BALANCE_STREAM.rawValue))
        #expect(ps[1].size == -2 && ps[1].flags == UInt16(TW_POSITION_FLAG_NO_LIQUIDATION))
        #expect(os[4].venue_order_id == 5 && os[4].price == 1005 && os[4].is_open == 1)

        // a reader that wants fewer entries gets fewer, and the count says so
        #expect(tw_account_read(reader.base, &out, &bs, 1, nil, 0, &os, 2, 10) == 1)
        #expect(out.balance_count == 1 && out.position_count == 0 && out.order_count == 2)

        // versions only move forward: nothing is written
        var stale = header(version: 7)
        stale.realized = 1
        #expect(tw_account_publish(w.base, &stale, b, 1, p, 1, o, 1) == -EINVAL)
        #expect(tw_account_read(reader.base, &out, &bs, 8, &ps, 8, &os, 8, 10) == 1)
        #expect(out.version == 7 && out.realized == -12_345_678 && out.balance_count == 3)
    }

    @Test func aSnapshotLargerThanTheCapacitiesIsCutAndFlagged() throws {
        let w = try makeSegment("acct-trunc", 4, 3, 5)
        var h = header(version: 1)
        let b = (1...6).map { balance($0) }
        let p = (1...3).map { position($0) }
        let o = (1...9).map { order($0) }
        #expect(tw_account_publish(w.base, &h, b, 6, p, 3, o, 9) == 2 + 0 + 4)
        var out = tw_account_header_t()
        var bs = [tw_account_balance_t](repeating: .init(), count: 16)
        var ps = [tw_account_position_t](repeating: .init(), count: 16)
        var os = [tw_account_order_t](repeating: .init(), count: 16)
        #expect(tw_account_read(w.base, &out, &bs, 16, &ps, 16, &os, 16, 10) == 1)
        #expect(out.balance_count == 4 && out.position_count == 3 && out.order_count == 5)
        #expect(out.truncated_balances == 2 && out.truncated_positions == 0 && out.truncated_orders == 4)
        #expect(out.flags & UInt32(TW_ACCOUNT_FLAG_TRUNCATED) != 0)
        #expect(bs[3].total == 400 && os[4].venue_order_id == 5)

        // the next snapshot fits: the flag and the counters clear
        h = header(version: 2)
        h.flags = UInt32(TW_ACCOUNT_FLAG_TRUNCATED)  // the caller cannot set it: the writer decides
        #expect(tw_account_publish(w.base, &h, b, 1, p, 0, o, 0) == 0)
        #expect(tw_account_read(w.base, &out, &bs, 16, &ps, 16, &os, 16, 10) == 1)
        #expect(out.flags == 0 && out.truncated_balances == 0 && out.truncated_orders == 0 && out.balance_count == 1)
    }

    @Test func countsInTheFileAreNeverTrustedBeyondTheCapacities() throws {
        let w = try makeSegment("acct-count", 4, 3, 5)
        let a = UnsafeMutableRawPointer(mutating: tw_account_of(w.base)!).assumingMemoryBound(
            to: tw_account_header_t.self)
        a.pointee.balance_count = .max
        a.pointee.position_count = 1_000_000
        a.pointee.order_count = 6
        var out = tw_account_header_t()
        var bs = [tw_account_balance_t](repeating: .init(), count: 64)
        var ps = [tw_account_position_t](repeating: .init(), count: 64)
        var os = [tw_account_order_t](repeating: .init(), count: 64)
        #expect(tw_account_read(w.base, &out, &bs, 64, &ps, 64, &os, 64, 10) == 1)
        #expect(out.balance_count == 4 && out.position_count == 3 && out.order_count == 5)

        // a writer stuck mid-publish (odd seq): bounded retries, then -EAGAIN
        a.pointee.seq = 3
        #expect(tw_account_read(w.base, &out, &bs, 64, &ps, 64, &os, 64, 50) == -EAGAIN)
    }

    /// One geometry word of the header set to a bad value: tw_segment_check and tw_shm_attach must refuse.
    @Test func attachRefusesAHostileGeometryNamingTheField() throws {
        let name = ShmTestEnv.instance("acct-host")
        let w = try ShmSegment.create(name, TW_SEG_ACCOUNT, region: tw_account_region_size(4, 3, 5)) {
            tw_account_init($0, 4, 3, 5)
        }
        let a = UnsafeMutableRawPointer(mutating: tw_account_of(w.base)!)
        let header = a.assumingMemoryBound(to: tw_account_header_t.self).pointee
        let huge = UInt64.max - 7
        let cases: [(offset: Int, value: UInt64, width: Int, field: String)] = [
            (192, UInt64(TW_ACCOUNT_MAX_CAPACITY) + 1, 4, "account.balance_capacity"),
            (196, 1 << 20, 4, "account.positions_offset"),  // a capacity whose array runs past the region
            (204, 8, 4, "account.balance_size"),
            (208, 130, 4, "account.position_size"),
            (212, 1 << 16, 4, "account.order_size"),
            (216, huge, 8, "account.balances_offset"),
            (224, header.balances_offset, 8, "account.positions_offset"),  // overlaps the balances
            (232, header.positions_offset + 64, 8, "account.orders_offset"),  // overlaps the positions
            (232, header.orders_offset + 4, 8, "account.orders_offset"),  // misaligned
            (232, 128, 8, "account.orders_offset"),  // inside the header
        ]
        for c in cases {
            let at = a + c.offset
            let saved = c.width == 8 ? at.load(as: UInt64.self) : UInt64(at.load(as: UInt32.self))
            func store(_ v: UInt64) {
                if c.width == 8 {
                    at.storeBytes(of: v, as: UInt64.self)
                } else {
                    at.storeBytes(of: UInt32(v), as: UInt32.self)
                }
            }
            store(c.value)
            var fault = tw_segment_fault_t()
            let rc = tw_segment_check(w.base, w.shm.pointee.size, TW_SEG_ACCOUNT.rawValue, &fault)
            #expect(rc == -EPROTO, "\(c.field) = \(c.value) accepted")
            if rc < 0 {
                #expect(String(cString: fault.field) == c.field, "\(c.field): \(String(cString: fault.problem))")
            }
            #expect(ShmSegment.attachResult(name, TW_SEG_ACCOUNT.rawValue) == -EPROTO)
            let message = String(cString: tw_error_message())
            #expect(message.contains(c.field), "message '\(message)' does not name \(c.field)")
            store(saved)
        }
        // restored: accepted again
        var fault = tw_segment_fault_t()
        #expect(tw_segment_check(w.base, w.shm.pointee.size, TW_SEG_ACCOUNT.rawValue, &fault) == 0)

        // a region too small for the header
        let region = w.base + 56
        let savedRegion = region.load(as: UInt64.self)
        region.storeBytes(of: UInt64(200), as: UInt64.self)
        #expect(tw_segment_check(w.base, w.shm.pointee.size, TW_SEG_ACCOUNT.rawValue, &fault) == -EPROTO)
        #expect(String(cString: fault.field) == "region_size")
        region.storeBytes(of: savedRegion, as: UInt64.self)
    }

    @Test func layoutRefusesCapacitiesAboveTheMaximum() throws {
        let name = ShmTestEnv.instance("acct-big")
        let s = ShmSegment()
        #expect(tw_shm_create(name, TW_SEG_ACCOUNT.rawValue, tw_account_region_size(1, 1, 1), 1, s.shm) == 0)
        #expect(tw_account_init(s.shm, UInt32(TW_ACCOUNT_MAX_CAPACITY) + 1, 1, 1) == -EINVAL)
        #expect(tw_account_init(s.shm, 1, 1, 100) == -EINVAL, "more than the region holds")
        #expect(tw_account_init(s.shm, 1, 1, 1) == 0)
        let a = tw_account_of(s.base)!.pointee
        #expect(a.balances_offset % 64 == 0 && a.positions_offset % 64 == 0 && a.orders_offset % 64 == 0)
        #expect(a.balances_offset == 128 + 256)
    }
}

import CEngineShm
import Foundation
import Testing

/// The segment directory for this test process.
///
/// `tw_shm_dir()` reads `TICKWIRE_SHM_DIR` on every call, so the variable must be set once, before the
/// first segment call, and never changed while tests run in parallel. A directory that is already set
/// (by the environment or by another suite in this process) is kept rather than replaced.
enum ShmTestEnv {
    static let dir: String = {
        if let set = getenv("TICKWIRE_SHM_DIR"), set.pointee != 0 { return String(cString: set) }
        var template = Array((NSTemporaryDirectory() + "tickwire-abi-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        setenv("TICKWIRE_SHM_DIR", made, 0)
        return String(cString: getenv("TICKWIRE_SHM_DIR"))
    }()

    /// A unique instance name per test (at most 31 characters of [A-Za-z0-9_-]).
    static func instance(_ tag: String) -> String {
        _ = dir
        return "abi\(getpid() % 100000)-\(tag)"
    }
}

/// One mapping of a segment; unmapped when released, and the file removed if this mapping created it.
final class ShmSegment {
    let shm: UnsafeMutablePointer<tw_shm_t>
    private var owned: (instance: String, kind: UInt32)?
    init() {
        shm = .allocate(capacity: 1)
        shm.initialize(to: tw_shm_t())
    }
    deinit {
        tw_shm_detach(shm)
        if let owned { _ = tw_shm_unlink(owned.instance, owned.kind) }
        shm.deallocate()
    }
    var base: UnsafeMutableRawPointer { shm.pointee.base }
    var header: UnsafeMutablePointer<tw_segment_header_t> { base.assumingMemoryBound(to: tw_segment_header_t.self) }
    var path: String { withUnsafeBytes(of: shm.pointee.path) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) } }

    /// Creates, lays out and commits a segment; the result is the writer's read-write mapping.
    static func create(
        _ instance: String, _ kind: tw_segment_kind, region: UInt64,
        layout: (UnsafeMutablePointer<tw_shm_t>) -> Int32
    ) throws -> ShmSegment {
        let s = ShmSegment()
        let rc = tw_shm_create(instance, kind.rawValue, region, 1, s.shm)
        try #require(rc == 0, "tw_shm_create: \(rc) \(String(cString: tw_error_message()))")
        s.owned = (instance, kind.rawValue)
        try #require(layout(s.shm) == 0, "layout of \(instance)")
        try #require(tw_shm_commit(s.shm) == 0, "commit: \(String(cString: tw_error_message()))")
        return s
    }

    /// Attaches an existing segment (read-only unless `writable`).
    static func attach(_ instance: String, _ kind: tw_segment_kind, writable: Bool = false) throws -> ShmSegment {
        let s = ShmSegment()
        let rc = tw_shm_attach(instance, kind.rawValue, writable ? 1 : 0, s.shm)
        try #require(rc == 0, "tw_shm_attach: \(rc) \(String(cString: tw_error_message()))")
        return s
    }

    /// The result of attaching, for error cases.
    static func attachResult(_ instance: String?, _ kind: UInt32) -> Int32 {
        let s = ShmSegment()
        return tw_shm_attach(instance, kind, 0, s.shm)
    }
}

/// Direct tests of the inline C API as Swift sees it through `import CEngineShm`.
@Suite struct ABITests {
    @Test func structLayoutsMatchTheABI() {
        #expect(MemoryLayout<tw_segment_header_t>.size == 128)
        #expect(MemoryLayout<tw_segment_header_t>.offset(of: \.generation) == 16)
        #expect(MemoryLayout<tw_segment_header_t>.offset(of: \.state) == 24)
        #expect(MemoryLayout<tw_segment_header_t>.offset(of: \.region_offset) == 48)
        #expect(MemoryLayout<tw_segment_header_t>.offset(of: \.instance) == 64)
        #expect(MemoryLayout<tw_segment_header_t>.offset(of: \.heartbeat_ns) == 96)
        #expect(MemoryLayout<tw_ring_header_t>.size == 128)
        #expect(MemoryLayout<tw_ring_header_t>.offset(of: \.head) == 64)
        #expect(MemoryLayout<tw_slot_header_t>.size == 16)
        #expect(MemoryLayout<tw_md_book_t>.size == 80)
        #expect(MemoryLayout<tw_md_trade_t>.size == 56)
        #expect(MemoryLayout<tw_md_status_t>.size == 16)
        #expect(MemoryLayout<tw_command_t>.size == TW_CMD_SLOT_SIZE - 16)
        #expect(MemoryLayout<tw_command_t>.offset(of: \.instrument) == 32)
        #expect(MemoryLayout<tw_command_t>.offset(of: \.op) == 36)
        #expect(MemoryLayout<tw_command_t>.offset(of: \.client_order_id) == 48)
        #expect(MemoryLayout<tw_command_t>.offset(of: \.target_id) == 88)
        #expect(MemoryLayout<tw_books_header_t>.size == 128)
        #expect(MemoryLayout<tw_instrument_info_t>.size == 128)
        #expect(MemoryLayout<tw_book_header_t>.size == 64)
        #expect(MemoryLayout<tw_book_header_t>.offset(of: \.first_update_id) == 56)
        #expect(MemoryLayout<tw_level_t>.size == 16)
        #expect(MemoryLayout<tw_instrument_stats_t>.size == 128)
        #expect(MemoryLayout<tw_stats_header_t>.size == 128)
        #expect(MemoryLayout<tw_histogram_t>.size == 64 + 608 * 8)
        #expect(MemoryLayout<tw_histogram_t>.offset(of: \.buckets) == 64)
        #expect(TW_HIST_BUCKETS == 608)
        #expect(tw_book_block_size(20) == 704)
        #expect(TW_ABI_MAJOR == 2 && TW_ABI_MINOR == 3)
        #expect(tw_book_block_size(1) == 128)
        // The magic is "TICKWIRE" read as a little-endian UInt64.
        let magic = withUnsafeBytes(of: TW_ABI_MAGIC.littleEndian) { String(decoding: $0, as: UTF8.self) }
        #expect(magic == "TICKWIRE")
        #expect(String(cString: tw_segment_kind_name(TW_SEG_BOOKS.rawValue)) == "books")
        #expect(String(cString: tw_segment_kind_name(99)) == "?")
    }

    /// ABI 2.0: command lanes and the exec journal.
    @Test func laneAndJournalLayoutsMatchTheABI() {
        #expect(MemoryLayout<tw_cmd_header_t>.size == 128)
        #expect(MemoryLayout<tw_cmd_header_t>.offset(of: \.lane_count) == 0)
        #expect(MemoryLayout<tw_cmd_header_t>.offset(of: \.lane_slots) == 4)
        #expect(MemoryLayout<tw_cmd_header_t>.offset(of: \.slot_size) == 8)
        #expect(MemoryLayout<tw_cmd_header_t>.offset(of: \.lane_size) == 12)
        #expect(MemoryLayout<tw_cmd_header_t>.offset(of: \.lanes_offset) == 16)
        #expect(MemoryLayout<tw_cmd_header_t>.offset(of: \.consumer_pid) == 24)
        #expect(MemoryLayout<tw_cmd_header_t>.offset(of: \.rejected_full) == 64)
        #expect(MemoryLayout<tw_cmd_header_t>.offset(of: \.rejected_no_lane) == 72)
        #expect(MemoryLayout<tw_cmd_header_t>.offset(of: \.lanes_reclaimed) == 80)
        #expect(MemoryLayout<tw_cmd_lane_t>.size == 192)
        #expect(MemoryLayout<tw_cmd_lane_t>.offset(of: \.owner) == 0)
        #expect(MemoryLayout<tw_cmd_lane_t>.offset(of: \.claimed_ns) == 8)
        #expect(MemoryLayout<tw_cmd_lane_t>.offset(of: \.submitted) == 16)
        #expect(MemoryLayout<tw_cmd_lane_t>.offset(of: \.tail) == 64)
        #expect(MemoryLayout<tw_cmd_lane_t>.offset(of: \.head) == 128)
        #expect(TW_CMD_MAX_LANES == 256 && TW_CLIENT_ID_MAX == 40)
        #expect(tw_cmd_region_size(3, 4) == 128 + 3 * (192 + 4 * 128))

        #expect(MemoryLayout<tw_exec_header_t>.size == 256)
        #expect(MemoryLayout<tw_exec_header_t>.offset(of: \.ring) == 0)
        #expect(MemoryLayout<tw_exec_header_t>.offset(of: \.consumed) == 128)
        #expect(MemoryLayout<tw_exec_header_t>.offset(of: \.reserve) == 136)
        #expect(MemoryLayout<tw_exec_header_t>.offset(of: \.refused_full) == 144)
        #expect(MemoryLayout<tw_exec_header_t>.offset(of: \.overflowed) == 152)
        #expect(TW_EXEC_SLOT_SIZE == 256 && TW_EXEC_PAYLOAD_MAX == 240 && TW_EXEC_TEXT_MAX == 64)
        #expect(MemoryLayout<tw_exec_report_t>.size == TW_EXEC_PAYLOAD_MAX)
        #expect(MemoryLayout<tw_exec_report_t>.offset(of: \.command_id) == 0)
        #expect(MemoryLayout<tw_exec_report_t>.offset(of: \.producer) == 8)
        #expect(MemoryLayout<tw_exec_report_t>.offset(of: \.venue_order_id) == 16)
        #expect(MemoryLayout<tw_exec_report_t>.offset(of: \.trade_id) == 24)
        #expect(MemoryLayout<tw_exec_report_t>.offset(of: \.price) == 32)
        #expect(MemoryLayout<tw_exec_report_t>.offset(of: \.quantity) == 40)
        #expect(MemoryLayout<tw_exec_report_t>.offset(of: \.cum_quantity) == 48)
        #expect(MemoryLayout<tw_exec_report_t>.offset(of: \.cum_quote) == 56)
        #expect(MemoryLayout<tw_exec_report_t>.offset(of: \.fee) == 64)
        #expect(MemoryLayout<tw_exec_report_t>.offset(of: \.venue_ns) == 72)
        #expect(MemoryLayout<tw_exec_report_t>.offset(of: \.recv_ns) == 80)
        #expect(MemoryLayout<tw_exec_report_t>.offset(of: \.publish_ns) == 88)
        #expect(MemoryLayout<tw_exec_report_t>.offset(of: \.code) == 96)
        #expect(MemoryLayout<tw_exec_report_t>.offset(of: \.strategy_id) == 100)
        #expect(MemoryLayout<tw_exec_report_t>.offset(of: \.side) == 104)
        #expect(MemoryLayout<tw_exec_report_t>.offset(of: \.order_type) == 105)
        #expect(MemoryLayout<tw_exec_report_t>.offset(of: \.tif) == 106)
        #expect(MemoryLayout<tw_exec_report_t>.offset(of: \.order_state) == 107)
        #expect(MemoryLayout<tw_exec_report_t>.offset(of: \.flags) == 108)
        #expect(MemoryLayout<tw_exec_report_t>.offset(of: \.fee_exponent) == 109)
        #expect(MemoryLayout<tw_exec_report_t>.offset(of: \.client_order_id) == 112)
        #expect(MemoryLayout<tw_exec_report_t>.offset(of: \.fee_asset) == 152)
        #expect(MemoryLayout<tw_exec_report_t>.offset(of: \.text) == 168)
        #expect(MemoryLayout<tw_exec_balance_t>.size == 72)
        #expect(MemoryLayout<tw_exec_balance_t>.offset(of: \.asset) == 0)
        #expect(MemoryLayout<tw_exec_balance_t>.offset(of: \.free) == 16)
        #expect(MemoryLayout<tw_exec_balance_t>.offset(of: \.locked) == 24)
        #expect(MemoryLayout<tw_exec_balance_t>.offset(of: \.delta) == 32)
        #expect(MemoryLayout<tw_exec_balance_t>.offset(of: \.publish_ns) == 56)
        #expect(MemoryLayout<tw_exec_balance_t>.offset(of: \.exponent) == 64)
        #expect(MemoryLayout<tw_exec_position_t>.size == 56)
        #expect(MemoryLayout<tw_exec_position_t>.offset(of: \.exponent) == 48)
        #expect(tw_exec_region_size(16) == 256 + 16 * 256)
        #expect(TW_EXEC_FILL.rawValue == 6 && TW_EXEC_POSITION.rawValue == 13 && TW_OS_UNKNOWN.rawValue == 10)
        #expect(TW_REJ_MODE.rawValue == 18 && TW_CTR_REJECT_BASE.rawValue + TW_REJ_MODE.rawValue < TW_CTR_COUNT.rawValue)
        #expect(TW_HIST_ORDER_ENCODE.rawValue == 4 && TW_HIST_ORDER_ACK.rawValue == 5)
    }

    @Test func segmentHeaderStateAndDirectory() throws {
        let name = ShmTestEnv.instance("header")
        let w = try ShmSegment.create(name, TW_SEG_STATS, region: tw_stats_region_size(4)) { tw_stats_init($0, 4) }
        let r = try ShmSegment.attach(name, TW_SEG_STATS)
        #expect(String(cString: tw_shm_dir()) == ShmTestEnv.dir)
        #expect(r.path == ShmTestEnv.dir + "/tickwire.\(name).stats")
        #expect(r.shm.pointee.writable == 0)
        let h = r.header
        #expect(h.pointee.magic == TW_ABI_MAGIC)
        #expect(Int(h.pointee.abi_major) == TW_ABI_MAJOR)
        #expect(h.pointee.kind == TW_SEG_STATS.rawValue)
        #expect(h.pointee.writer_pid == getpid())
        #expect(h.pointee.region_offset == 128)
        let instance = withUnsafeBytes(of: h.pointee.instance) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        #expect(instance == name)
        #expect(tw_segment_state(h) == TW_STATE_STARTING.rawValue)
        tw_segment_set_state(w.header, TW_STATE_LIVE.rawValue)
        #expect(tw_segment_state(h) == TW_STATE_LIVE.rawValue)
        tw_segment_heartbeat(w.header, 123_456)
        #expect(h.pointee.heartbeat_ns == 123_456)
    }

    @Test func ringPublishPollAndLap() throws {
        let name = ShmTestEnv.instance("ring")
        let w = try ShmSegment.create(name, TW_SEG_MD, region: tw_ring_region_size(128, 64)) { tw_ring_init($0, 128, 64) }
        let r = try ShmSegment.attach(name, TW_SEG_MD)
        var writer = tw_ring_writer_t()
        #expect(tw_ring_writer_init(&writer, w.base) == 0)
        var cursor = tw_ring_cursor_t()
        #expect(tw_ring_cursor_init(&cursor, r.base, 0) == 0)
        #expect(cursor.next == 1)

        var hdr = tw_slot_header_t()
        var buf = [UInt64](repeating: 0, count: Int(TW_MD_PAYLOAD_MAX) / 8)
        let cap = UInt32(TW_MD_PAYLOAD_MAX)
        #expect(tw_ring_poll(&cursor, &hdr, &buf, cap) == 0)

        for n in UInt64(1)...5 {
            let payload = (0..<4).map { n * 1000 + UInt64($0) }
            #expect(tw_ring_publish(&writer, UInt16(TW_MD_TRADE.rawValue), UInt16(n), payload, 32) == n)
        }
        #expect(tw_ring_head(tw_ring_of(r.base)) == 5)
        for n in UInt64(1)...5 {
            #expect(tw_ring_poll(&cursor, &hdr, &buf, cap) == 1)
            #expect(hdr.seq == n && hdr.length == 32 && hdr.instrument == UInt16(n))
            #expect(hdr.type == UInt16(TW_MD_TRADE.rawValue))
            #expect(Array(buf.prefix(4)) == (0..<4).map { n * 1000 + UInt64($0) })
        }
        #expect(tw_ring_poll(&cursor, &hdr, &buf, cap) == 0)

        // Lapped: 3 rings' worth published before the next poll.
        let head: UInt64 = 5 + 3 * 64
        for n in UInt64(6)...head {
            let payload = [n, ~n]
            #expect(tw_ring_publish(&writer, 1, 0, payload, 16) == n)
        }
        let resumeExpected = head + 1 - 32  // half a ring behind the writer
        #expect(tw_ring_poll(&cursor, &hdr, &buf, cap) == -EPIPE)
        #expect(cursor.next == resumeExpected)
        #expect(cursor.lost == resumeExpected - 6)
        #expect(cursor.laps == 1)
        var expected = resumeExpected
        while tw_ring_poll(&cursor, &hdr, &buf, cap) == 1 {
            #expect(hdr.seq == expected && buf[0] == expected && buf[1] == ~expected)
            expected += 1
        }
        #expect(expected == head + 1)

        // A length that is not a multiple of 8, or too long, is refused.
        #expect(tw_ring_publish(&writer, 1, 0, buf, 12) == 0)
        #expect(tw_ring_publish(&writer, 1, 0, buf, cap + 8) == 0)
    }

    @Test func bookWriteReadRoundTrip() throws {
        let name = ShmTestEnv.instance("book")
        let depth: UInt32 = 20
        let w = try ShmSegment.create(name, TW_SEG_BOOKS, region: tw_books_region_size(2, depth)) {
            tw_books_init($0, 2, depth)
        }
        let r = try ShmSegment.attach(name, TW_SEG_BOOKS)
        let books = tw_books_of(r.base)!
        #expect(books.pointee.instrument_count == 2 && books.pointee.depth == depth)
        #expect(books.pointee.block_size == tw_book_block_size(depth))
        #expect(tw_books_instrument(r.base, 1).pointee.index == 1)

        var h = tw_book_header_t()
        h.update_id = 42
        h.first_update_id = 40
        h.exchange_ns = 1_000
        h.recv_ns = 2_000
        h.publish_ns = 3_000
        var bids = (0..<Int64(depth)).map { tw_level_t(price: 10_000 - $0, quantity: $0 + 1) }
        var asks = (0..<Int64(depth)).map { tw_level_t(price: 10_001 + $0, quantity: 2 * $0 + 1) }
        tw_book_write(tw_books_block_mut(w.base, 1), depth, &h, &bids, depth, &asks, 3)

        var out = tw_book_header_t()
        var rb = [tw_level_t](repeating: tw_level_t(), count: Int(depth))
        var ra = [tw_level_t](repeating: tw_level_t(), count: Int(depth))
        #expect(tw_book_read(tw_books_block(r.base, 1), depth, &out, &rb, &ra, depth, 4) == 1)
        #expect(out.seq == 2 && out.update_id == 42 && out.first_update_id == 40)
        #expect(out.exchange_ns == 1_000 && out.recv_ns == 2_000 && out.publish_ns == 3_000)
        #expect(out.bid_count == depth && out.ask_count == 3)
        #expect(rb.map(\.price) == bids.map(\.price) && rb.map(\.quantity) == bids.map(\.quantity))
        #expect(ra.prefix(3).map(\.price) == [10_001, 10_002, 10_003])

        // Fewer levels requested: counts are capped.
        #expect(tw_book_read(tw_books_block(r.base, 1), depth, &out, &rb, &ra, 2, 4) == 1)
        #expect(out.bid_count == 2 && out.ask_count == 2)

        // The other block is untouched and still marked stale.
        #expect(tw_book_read(tw_books_block(r.base, 0), depth, &out, &rb, &ra, depth, 4) == 1)
        #expect(out.seq == 0 && out.flags == UInt32(TW_BOOK_FLAG_STALE) && out.bid_count == 0)
        #expect(tw_book_read(tw_books_block(r.base, 1), depth, &out, &rb, &ra, depth, 0) == -EAGAIN)
    }

    /// Claim, push and pop through the inline lane functions; -ENOBUFS, -EPERM, -ESTALE, -EBUSY.
    @Test func commandLaneClaimPushPop() throws {
        let name = ShmTestEnv.instance("cmd")
        let w = try ShmSegment.create(name, TW_SEG_CMD, region: tw_cmd_region_size(2, 8)) { tw_cmd_init($0, 2, 8) }
        let producer = try ShmSegment.attach(name, TW_SEG_CMD, writable: true)
        let generation = producer.header.pointee.generation
        var lane: UInt32 = 0
        var token: UInt64 = 0
        #expect(tw_cmd_lane_claim(producer.base, &lane, &token) == -ESTALE)  // still STARTING
        tw_segment_set_state(w.header, TW_STATE_LIVE.rawValue)
        #expect(tw_cmd_lane_claim(producer.base, &lane, &token) == 0)
        #expect(lane == 0 && token >> 32 == UInt64(getpid()))
        let cmd = tw_cmd_of(w.base)!

        func command(_ i: UInt64) -> tw_command_t {
            var c = tw_command_t()
            c.command_id = i
            c.price = Int64(i) * 100
            c.quantity = Int64(i) + 1
            c.instrument = 3
            c.op = UInt8(TW_CMD_NEW.rawValue)
            c.side = UInt8(TW_SIDE_BUY.rawValue)
            c.order_type = UInt8(TW_ORDER_LIMIT.rawValue)
            c.tif = UInt8(TW_TIF_GTC.rawValue)
            withUnsafeMutableBytes(of: &c.client_order_id) { raw in
                let id = Array("swift-\(i)".utf8)
                raw.copyBytes(from: id)
                raw[id.count] = 0
            }
            return c
        }

        var hdr = tw_slot_header_t()
        var got = tw_command_t()
        var owner: UInt64 = 0
        #expect(tw_cmd_lane_pop(w.base, lane, &hdr, &got, &owner) == 0)
        var c0 = command(0)
        #expect(tw_cmd_lane_push(producer.base, 1, token, generation, &c0) == -EPERM)  // not our lane
        for i in UInt64(0)..<8 {
            var c = command(i)
            #expect(tw_cmd_lane_push(producer.base, lane, token, generation, &c) == 0)
        }
        var extra = command(8)
        #expect(tw_cmd_lane_push(producer.base, lane, token, generation, &extra) == -ENOBUFS)
        #expect(cmd.pointee.rejected_full == 1)
        #expect(tw_cmd_lane_depth(w.base, lane) == 8)
        #expect(tw_cmd_lane_push(producer.base, lane, token, generation &+ 1, &extra) == -ESTALE)

        for i in UInt64(0)..<8 {
            #expect(tw_cmd_lane_pop(w.base, lane, &hdr, &got, &owner) == 1)
            #expect(hdr.seq == i && hdr.type == UInt16(TW_CMD_NEW.rawValue) && hdr.instrument == 3 && owner == token)
            #expect(hdr.length == UInt32(MemoryLayout<tw_command_t>.size))
            #expect(got.command_id == i && got.price == Int64(i) * 100 && got.quantity == Int64(i) + 1)
            let coid = withUnsafeBytes(of: got.client_order_id) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            #expect(coid == "swift-\(i)")
        }
        #expect(tw_cmd_lane_pop(w.base, lane, &hdr, &got, &owner) == 0)
        #expect(tw_cmd_lane_push(producer.base, lane, token, generation, &extra) == 0)
        #expect(tw_cmd_lane_pop(w.base, lane, &hdr, &got, &owner) == 1 && got.command_id == 8 && hdr.seq == 8)

        var lane2: UInt32 = 0
        var token2: UInt64 = 0
        #expect(tw_cmd_lane_claim(producer.base, &lane2, &token2) == 0 && lane2 == 1)
        #expect(tw_cmd_lane_claim(producer.base, &lane2, &token2) == -EBUSY)
        #expect(cmd.pointee.rejected_no_lane == 1)
        tw_segment_set_state(w.header, TW_STATE_STOPPING.rawValue)
        #expect(tw_cmd_lane_push(producer.base, lane, token, generation, &extra) == -ESTALE)
        #expect(tw_cmd_lane_depth(w.base, lane) == 0)
        tw_cmd_lane_release(producer.base, lane, token)
        #expect(tw_cmd_lane(w.base, lane)!.pointee.owner == 0)
    }

    /// Append and poll the exec journal through the inline functions; consumed, reserve and overflow.
    @Test func execJournalAppendAndPoll() throws {
        let name = ShmTestEnv.instance("exec")
        let w = try ShmSegment.create(name, TW_SEG_EXEC, region: tw_exec_region_size(16)) { tw_exec_init($0, 16, 4) }
        let r = try ShmSegment.attach(name, TW_SEG_EXEC)
        var writer = tw_exec_writer_t()
        #expect(tw_exec_writer_init(&writer, w.base) == 0)
        var cursor = tw_ring_cursor_t()
        #expect(tw_ring_cursor_init(&cursor, r.base, 0) == 0)

        func report(_ i: UInt64) -> tw_exec_report_t {
            var x = tw_exec_report_t()
            x.command_id = i
            x.producer = 0x1234 << 32 | 9
            x.price = 6_400_000
            x.quantity = Int64(i)
            x.order_state = UInt8(TW_OS_SUBMITTED.rawValue)
            x.flags = UInt8(TW_EXEC_FLAG_LOCAL)
            withUnsafeMutableBytes(of: &x.text) { raw in
                let t = Array("ok \(i)".utf8)
                raw.copyBytes(from: t)
                raw[t.count] = 0
            }
            return x
        }
        let size = UInt32(MemoryLayout<tw_exec_report_t>.size)
        var admitted = 0
        while tw_exec_admit(&writer) != 0 {
            var x = report(UInt64(admitted + 1))
            #expect(tw_exec_append(&writer, UInt16(TW_EXEC_ACCEPTED.rawValue), 2, &x, size) == UInt64(admitted + 1))
            admitted += 1
        }
        #expect(admitted == 12)
        let exec = UnsafeMutableRawPointer(w.base).advanced(by: Int(w.header.pointee.region_offset))
            .assumingMemoryBound(to: tw_exec_header_t.self)
        #expect(exec.pointee.refused_full == 1)
        for i in 13...16 {
            var x = report(UInt64(i))
            #expect(tw_exec_append(&writer, UInt16(TW_EXEC_ACK.rawValue), 2, &x, size) == UInt64(i))
        }
        var full = report(17)
        #expect(tw_exec_append(&writer, UInt16(TW_EXEC_ACK.rawValue), 2, &full, size) == 0)
        #expect(exec.pointee.overflowed == 1)

        var hdr = tw_slot_header_t()
        var got = tw_exec_report_t()
        for i in UInt64(1)...16 {
            #expect(tw_ring_poll(&cursor, &hdr, &got, size) == 1)
            #expect(hdr.seq == i && hdr.length == size && hdr.instrument == 2)
            #expect(hdr.type == UInt16((i <= 12 ? TW_EXEC_ACCEPTED : TW_EXEC_ACK).rawValue))
            #expect(got.command_id == i && got.quantity == Int64(i) && got.order_state == UInt8(TW_OS_SUBMITTED.rawValue))
            let text = withUnsafeBytes(of: got.text) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            #expect(text == "ok \(i)")
        }
        #expect(tw_ring_poll(&cursor, &hdr, &got, size) == 0)
        tw_exec_set_consumed(w.base, 16)
        #expect(exec.pointee.consumed == 16)
        #expect(tw_exec_admit(&writer) == 1)
        #expect(tw_exec_append(&writer, UInt16(TW_EXEC_FILL.rawValue), 2, &full, size) == 17)
        #expect(tw_ring_poll(&cursor, &hdr, &got, size) == 1 && hdr.seq == 17 && got.command_id == 17)
    }

    @Test func histogramBucketsAndRecord() throws {
        for v in UInt64(0)..<16 {
            #expect(tw_hist_bucket(v) == UInt32(v) && tw_hist_bucket_low(UInt32(v)) == v)
        }
        #expect(tw_hist_bucket(16) == 16)
        #expect(tw_hist_bucket(1 << 40) == 592)
        #expect(tw_hist_bucket((1 << 41) - 1) == UInt32(TW_HIST_BUCKETS) - 1)
        #expect(tw_hist_bucket_low(UInt32(TW_HIST_BUCKETS)) == 1 << 41)
        var x: UInt64 = 0x1234_5678
        for _ in 0..<10_000 {
            x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let v = x >> (23 + x % 41)  // every magnitude below 2^41
            let b = tw_hist_bucket(v)
            #expect(b < UInt32(TW_HIST_BUCKETS))
            #expect(tw_hist_bucket_low(b) <= v && v < tw_hist_bucket_low(b + 1), "v=\(v) b=\(b)")
            #expect((v - tw_hist_bucket_low(b)) <= v / 16, "v=\(v) more than 1/16 above its bucket")
        }

        let name = ShmTestEnv.instance("hist")
        let s = try ShmSegment.create(name, TW_SEG_STATS, region: tw_stats_region_size(1)) { tw_stats_init($0, 1) }
        let h = tw_stats_histogram_mut(s.base, UInt32(TW_HIST_CMD_QUEUE.rawValue))!
        for v: UInt64 in [500, 20, 1 << 41, 3_000] { tw_hist_record(h, v) }
        #expect(h.pointee.count == 4)
        #expect(h.pointee.sum == 500 + 20 + (1 << 41) + 3_000)
        #expect(h.pointee.min == 20 && h.pointee.max == 1 << 41)
        #expect(h.pointee.overflow == 1)
        let buckets = UnsafeRawPointer(h).advanced(by: 64).assumingMemoryBound(to: UInt64.self)
        #expect(buckets[Int(tw_hist_bucket(500))] == 1 && buckets[Int(tw_hist_bucket(20))] == 1)
        let total = (0..<Int(TW_HIST_BUCKETS)).reduce(UInt64(0)) { $0 + buckets[$1] }
        #expect(total == 3)
        #expect(tw_hist_quantile(h, 1.0) == tw_hist_bucket_low(tw_hist_bucket(3_000)))

        let counters = tw_stats_counters_mut(s.base)!
        tw_counter_add(&counters[Int(TW_CTR_TRADES.rawValue)], 2)
        tw_counter_add(&counters[Int(TW_CTR_TRADES.rawValue)], 3)
        let r = try ShmSegment.attach(name, TW_SEG_STATS)
        #expect(tw_load_u64(tw_stats_counters(r.base) + Int(TW_CTR_TRADES.rawValue)) == 5)
        #expect(tw_stats_histogram(r.base, UInt32(TW_HIST_CMD_QUEUE.rawValue)).pointee.count == 4)
    }

    @Test func attachRefusesWhatItShould() throws {
        #expect(ShmSegment.attachResult(ShmTestEnv.instance("missing"), TW_SEG_MD.rawValue) == -ENOENT)
        #expect(ShmSegment.attachResult("bad/name", TW_SEG_MD.rawValue) == -EINVAL)
        #expect(ShmSegment.attachResult("", TW_SEG_MD.rawValue) == -EINVAL)
        #expect(ShmSegment.attachResult(nil, TW_SEG_MD.rawValue) == -EINVAL)
        #expect(ShmSegment.attachResult(ShmTestEnv.instance("kind"), 0) == -EINVAL)
        #expect(String(cString: tw_error_message()).contains("unknown segment kind"))

        // An md segment renamed to the books name is the wrong kind.
        let name = ShmTestEnv.instance("wrongkind")
        let md = try ShmSegment.create(name, TW_SEG_MD, region: tw_ring_region_size(128, 16)) { tw_ring_init($0, 128, 16) }
        var books = [CChar](repeating: 0, count: Int(TW_PATH_MAX))
        #expect(tw_shm_path(name, TW_SEG_BOOKS.rawValue, &books, books.count) == 0)
        try FileManager.default.moveItem(atPath: md.path, toPath: books.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        #expect(ShmSegment.attachResult(name, TW_SEG_BOOKS.rawValue) == -EMEDIUMTYPE)
        #expect(ShmSegment.attachResult(name, TW_SEG_MD.rawValue) == -ENOENT)
        #expect(tw_shm_unlink(name, TW_SEG_BOOKS.rawValue) == 0)

        // A newer ABI major is refused.
        let newer = ShmTestEnv.instance("major")
        let s = ShmSegment()
        #expect(tw_shm_create(newer, TW_SEG_MD.rawValue, tw_ring_region_size(128, 16), 1, s.shm) == 0)
        s.header.pointee.abi_major = UInt16(TW_ABI_MAJOR) + 1
        #expect(tw_ring_init(s.shm, 128, 16) == 0)
        #expect(tw_shm_commit(s.shm) == 0)
        #expect(ShmSegment.attachResult(newer, TW_SEG_MD.rawValue) == -EPROTONOSUPPORT)
        #expect(tw_shm_unlink(newer, TW_SEG_MD.rawValue) == 0)
    }

    @Test func instanceLockIsExclusivePerOpenFile() {
        let name = ShmTestEnv.instance("lock")
        var holder: Int32 = -1
        let fd = tw_instance_lock(name, &holder)
        #expect(fd >= 0, "\(String(cString: tw_error_message()))")
        #expect(holder == 0)
        #expect(tw_instance_lock(name, &holder) == -EBUSY)
        #expect(holder == getpid())
        tw_instance_unlock(name, fd, 1)
        let again = tw_instance_lock(name, &holder)
        #expect(again >= 0)
        tw_instance_unlock(name, again, 1)
    }
}

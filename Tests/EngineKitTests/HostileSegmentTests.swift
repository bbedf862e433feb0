import CEngineShm
import EngineKit
import Foundation
import Testing

/// Attach refuses a corrupted segment with a clear `ShmError` naming the header field, so the readers above it
/// (which index the mapping straight from the header) never see a geometry that would read past the file.
@Suite struct HostileSegmentTests {
    /// One header word of a live instance's segment, set to a bad value and restored afterwards.
    struct Poke {
        var segment: KeyPath<EngineInstance, Segment>
        var regionOffset: Int  // from the region start
        var value: UInt64
        var width: Int
        var field: String
    }

    private static let huge = UInt64.max - 7  // 8-aligned, wraps when anything is added

    private func withPoke(_ instance: EngineInstance, _ poke: Poke, _ body: () -> Void) {
        let base = instance[keyPath: poke.segment].base
        let region = Int(base.load(fromByteOffset: 48, as: UInt64.self))
        let at = base + region + poke.regionOffset
        let saved = poke.width == 8 ? at.load(as: UInt64.self) : UInt64(at.load(as: UInt32.self))
        func store(_ v: UInt64) {
            if poke.width == 8 { at.storeBytes(of: v, as: UInt64.self) } else { at.storeBytes(of: UInt32(v), as: UInt32.self) }
        }
        store(poke.value)
        body()
        store(saved)
    }

    private func expectRefused(_ field: String, _ attach: () throws -> Void) {
        do {
            try attach()
            Issue.record("attach accepted a segment with a bad \(field)")
        } catch {
            guard case .notTickwire(let message) = error as? ShmError else {
                Issue.record("expected .notTickwire naming \(field), got \(error)")
                return
            }
            #expect(message.contains(field), "message '\(message)' does not name \(field)")
        }
    }

    @Test func readersRefuseACorruptedGeometryNamingTheField() throws {
        let name = uniqueInstance("hostile")
        let instance = try EngineInstance.create(InstanceConfig(instance: name, instruments: [try btc(), try eth()]))
        defer { instance.shutdown(keepSegments: false) }
        let pokes = [
            Poke(segment: \.books, regionOffset: 24, value: Self.huge, width: 8, field: "books.blocks_offset"),
            Poke(segment: \.books, regionOffset: 0, value: 4097, width: 4, field: "books.instrument_count"),
            Poke(segment: \.books, regionOffset: 8, value: 0xFFFF_FFF8, width: 4, field: "block_size"),
            Poke(segment: \.md, regionOffset: 8, value: Self.huge, width: 8, field: "ring.slots_offset"),
            Poke(segment: \.md, regionOffset: 4, value: 1 << 31, width: 4, field: "slot_count"),
            Poke(segment: \.exec, regionOffset: 0, value: 64, width: 4, field: "exec.ring.slot_size"),
            Poke(segment: \.stats, regionOffset: 32, value: Self.huge, width: 8, field: "stats.histograms_offset"),
            Poke(segment: \.stats, regionOffset: 8, value: 0xFFFF_FFFF, width: 4, field: "histogram_count"),
            Poke(segment: \.cmd, regionOffset: 12, value: 64, width: 4, field: "cmd.lane_size"),
        ]
        for poke in pokes {
            withPoke(instance, poke) {
                switch instance[keyPath: poke.segment].kind {
                case .books: expectRefused(poke.field) { _ = try BooksReader(instance: name) }
                case .md: expectRefused(poke.field) { _ = try RingReader(instance: name) }
                case .exec: expectRefused(poke.field) { _ = try ExecJournalReader(instance: name) }
                case .stats: expectRefused(poke.field) { _ = try StatsReader(instance: name) }
                default: expectRefused(poke.field) { _ = try Segment.attach(instance: name, kind: .cmd) }
                }
            }
        }
        // restored: every reader attaches again
        _ = try BooksReader(instance: name)
        _ = try RingReader(instance: name)
        _ = try ExecJournalReader(instance: name)
        _ = try StatsReader(instance: name)
    }

    @Test func aTruncatedFileIsRefusedNotABusError() throws {
        let live = uniqueInstance("trunc")
        let instance = try EngineInstance.create(InstanceConfig(instance: live, instruments: [try btc()]))
        defer { instance.shutdown(keepSegments: false) }
        // A copy cut short under another name: the live mapping is never shrunk under the writer.
        let name = uniqueInstance("trunc2")
        let whole = try Data(contentsOf: URL(fileURLWithPath: try Segment.path(instance: live, kind: .stats)))
        let path = try Segment.path(instance: name, kind: .stats)
        defer { try? Segment.unlink(instance: name, kind: .stats) }
        try whole.prefix(4096).write(to: URL(fileURLWithPath: path))
        expectRefused("truncated") { _ = try StatsReader(instance: name) }
        try whole.prefix(100).write(to: URL(fileURLWithPath: path))
        expectRefused("too small") { _ = try Segment.attach(instance: name, kind: .stats) }
    }

    @Test func wrongMagicMajorAndKindAreTheirOwnErrors() throws {
        let name = uniqueInstance("abi")
        let instance = try EngineInstance.create(InstanceConfig(instance: name, instruments: [try btc()]))
        defer { instance.shutdown(keepSegments: false) }
        let header = instance.md.base
        let major = header.load(fromByteOffset: 8, as: UInt16.self)
        header.storeBytes(of: major + 1, toByteOffset: 8, as: UInt16.self)
        do {
            _ = try RingReader(instance: name)
        } catch {
            guard case .unsupportedABI(let message) = error else { Issue.record("got \(error)"); return }
            #expect(message.contains("ABI \(major + 1)."))
        }
        header.storeBytes(of: major, toByteOffset: 8, as: UInt16.self)
        header.storeBytes(of: SegmentKind.books.rawValue, toByteOffset: 12, as: UInt32.self)
        do {
            _ = try RingReader(instance: name)
            Issue.record("a books-kind header attached as md")
        } catch {
            guard case .wrongKind(let message) = error else { Issue.record("got \(error)"); return }
            #expect(message.contains("books"))
        }
        header.storeBytes(of: SegmentKind.md.rawValue, toByteOffset: 12, as: UInt32.self)
        _ = try RingReader(instance: name)
    }
}

import CEngineShm
import EngineKit
import EngineModel
import Foundation
import Testing

func btc() throws -> Instrument {
    try Instrument(symbol: "BTCUSDT", venue: "synthetic", tickSize: "0.01", stepSize: "0.00001", minNotional: "5")
}

func eth() throws -> Instrument {
    try Instrument(symbol: "ETHUSDT", venue: "synthetic", tickSize: "0.01", stepSize: "0.0001", minNotional: "5")
}

@Suite struct EngineInstanceTests {
    @Test func createsEverySegmentWithMode0640AndTheInstrumentTable() throws {
        let name = uniqueInstance("create")
        let instance = try EngineInstance.create(InstanceConfig(instance: name, instruments: [try btc(), try eth()]))
        defer { instance.shutdown(keepSegments: false) }
        for kind in [SegmentKind.md, .books, .cmd, .exec, .stats] {
            let path = try Segment.path(instance: name, kind: kind)
            let attrs = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attrs[.posixPermissions] as? Int) == 0o640, "\(kind.name)")
            let segment = try Segment.attach(instance: name, kind: kind)
            #expect(segment.generation == instance.generation)
            #expect(segment.state == .starting)
            #expect(segment.writerPID == getpid())
        }
        instance.setState(.live)
        let books = try BooksReader(instance: name)
        #expect(books.instruments.map(\.symbol) == ["BTCUSDT", "ETHUSDT"])
        #expect(books.instruments[0].priceExponent == -2)
        #expect(books.instruments[0].quantityExponent == -5)
        #expect(books.instruments[0].tickSize == 1)
        #expect(books.depth == 20)
        #expect(try books.snapshot(0).stale, "no data yet means stale")
        #expect(try StatsReader(instance: name).segment.state == .live)
    }

    @Test func secondEngineOnALiveInstanceIsRefusedWithTheHolderPid() throws {
        let name = uniqueInstance("busy")
        let first = try EngineInstance.create(InstanceConfig(instance: name, instruments: [try btc()]))
        defer { first.shutdown(keepSegments: false) }
        #expect(throws: ShmError.instanceBusy(pid: getpid(), message: "instance '\(name)' is already running (pid \(getpid()))")) {
            _ = try EngineInstance.create(InstanceConfig(instance: name, instruments: [try btc()]))
        }
        #expect(try Segment.attach(instance: name, kind: .md).generation == first.generation, "nothing replaced")
    }

    @Test func restartBumpsTheGenerationAndMarksOldSegmentsDead() throws {
        let name = uniqueInstance("restart")
        let first = try EngineInstance.create(InstanceConfig(instance: name, instruments: [try btc()]))
        first.setState(.live)
        let oldMd = try Segment.attach(instance: name, kind: .md)
        first.shutdown(keepSegments: true)
        #expect(oldMd.state == .dead)
        let second = try EngineInstance.create(InstanceConfig(instance: name, instruments: [try btc()]))
        defer { second.shutdown(keepSegments: false) }
        #expect(second.generation > first.generation)
        #expect(second.tookOverFrom == nil, "the first stopped cleanly")
        #expect(try Segment.attach(instance: name, kind: .md).generation == second.generation)
    }

    @Test func shutdownRemovesTheFilesUnlessKept() throws {
        let name = uniqueInstance("unlink")
        let instance = try EngineInstance.create(InstanceConfig(instance: name, instruments: [try btc()]))
        instance.shutdown(keepSegments: false)
        #expect(throws: ShmError.self) { _ = try Segment.attach(instance: name, kind: .stats) }
        for kind in [SegmentKind.md, .books, .cmd, .exec, .stats] {
            #expect(!FileManager.default.fileExists(atPath: try Segment.path(instance: name, kind: kind)))
        }
    }

    @Test func badGeometryAndNamesAreClearErrors() throws {
        #expect(throws: ShmError.self) {
            _ = try EngineInstance.create(InstanceConfig(instance: "bad/name", instruments: [try btc()]))
        }
        #expect(throws: ShmError.self) {
            _ = try EngineInstance.create(InstanceConfig(instance: uniqueInstance("geom"), instruments: [try btc()], mdSlots: 1000))
        }
        #expect(throws: ShmError.self) {
            _ = try EngineInstance.create(InstanceConfig(instance: uniqueInstance("none"), instruments: []))
        }
        let err = ShmError.fromC(-ENOENT, "x")
        if case .notFound = err {} else { Issue.record("ENOENT maps to notFound, got \(err)") }
    }
}

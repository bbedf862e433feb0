import CEngineShm
import EngineKit
import EngineModel
import Foundation
import Testing

/// The account segment of a real instance: created with the others, written by `AccountSegmentWriter`,
/// read back by `AccountSegmentReader` as plain values, never torn while the writer runs.
@Suite struct AccountSegmentTests {
    private func sampleView(version: UInt64) -> AccountView {
        AccountView(
            version: version, updatedNs: 1_700_000_000_000_000_000, journalSeq: 4242, quoteAsset: "USDT",
            totals: AccountTotalsView(
                realized: 12_345_678_900, unrealized: -250_000_000, total: 12_095_678_900, daily: 99_000_000,
                fees: 1_234_567, funding: -5_000, maxDrawdown: 3_000_000_000, winRateBps: 6_250, maxDrawdownBps: nil),
            balances: [
                AccountBalanceView(
                    asset: "USDT", total: 1_000_000_000_000, available: 900_000_000_000, hold: 100_000_000_000,
                    updatedNs: 11, source: .stream),
                AccountBalanceView(
                    asset: "BTC", total: 50_000_000, available: 50_000_000, hold: 0, updatedNs: 12,
                    source: .reconciliation),
            ],
            positions: [
                AccountPositionView(
                    strategyId: 7, symbol: "BTCUSDT", market: .usdm, size: -150_000, quantityExponent: -5,
                    entryPrice: 4_321_012_000_000, markPrice: 4_320_000_000_000, unrealized: 151_800_000,
                    realized: 0, fees: 2_000_000, funding: -300, marginUsed: 648_000_000_000,
                    liquidationPrice: 4_700_000_000_000, leverage: 10, updatedNs: 13),
                AccountPositionView(
                    strategyId: 8, symbol: "ETHUSDT", market: .spot, size: 20_000, quantityExponent: -4,
                    entryPrice: 300_000_000_000, markPrice: nil, unrealized: 0, realized: 10, fees: 1, funding: 0,
                    marginUsed: 0, liquidationPrice: nil, leverage: 0, updatedNs: 14),
            ],
            orders: [
                AccountOrderView(
                    clientOrderId: "tw-7-000000000001", venueOrderId: 987_654_321, symbol: "BTCUSDT", side: .sell,
                    orderType: .limit, state: UInt8(TW_OS_PARTIALLY_FILLED.rawValue), isOpen: true, strategyId: 7,
                    price: 4_321_012, quantity: 150_000, filled: 50_000, priceExponent: -2, quantityExponent: -5,
                    averagePrice: 4_321_012_000_000, lastUpdateNs: 15, lastEventSeq: 4240),
                AccountOrderView(
                    clientOrderId: "x", venueOrderId: 0, symbol: "ETHUSDT", side: nil, orderType: nil,
                    state: UInt8(TW_OS_REJECTED.rawValue), isOpen: false, strategyId: 8, price: 0, quantity: 1,
                    filled: 0, priceExponent: -2, quantityExponent: -4, averagePrice: 0, lastUpdateNs: 16,
                    lastEventSeq: 4241),
            ])
    }

    @Test func aSnapshotRoundTripsThroughTheInstanceSegment() throws {
        let name = uniqueInstance("acct")
        let instance = try EngineInstance.create(InstanceConfig(instance: name, instruments: [try btc()]))
        defer { instance.shutdown(keepSegments: false) }
        #expect(instance.segments.contains { $0.kind == .account })
        let path = try Segment.path(instance: name, kind: .account)
        let attrs = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attrs[.posixPermissions] as? Int) == 0o640)

        let writer = AccountSegmentWriter(segment: instance.account)
        let reader = try AccountSegmentReader(instance: name)
        #expect(reader.capacities == (256, 1024, 4096))
        #expect(reader.segment.abiVersion == (2, 3))
        let empty = try reader.read()
        #expect(empty.version == 0 && empty.balances.isEmpty && empty.totals.winRateBps == nil)

        let view = sampleView(version: 1)
        #expect(try writer.publish(view) == 0)
        #expect(writer.publishedVersion == 1)
        #expect(try reader.read() == view)

        // strings longer than their fields are cut, never overrun
        var long = sampleView(version: 2)
        long.quoteAsset = String(repeating: "Q", count: 40)
        long.orders[0].clientOrderId = String(repeating: "c", count: 64)
        try writer.publish(long)
        let cut = try reader.read()
        #expect(cut.quoteAsset == String(repeating: "Q", count: 15))
        #expect(cut.orders[0].clientOrderId == String(repeating: "c", count: 39))

        // versions only move forward
        #expect(throws: ShmError.self) { try writer.publish(sampleView(version: 2)) }
        #expect(try reader.read().version == 2)

        instance.shutdown(keepSegments: false)
        #expect(reader.segment.state == .dead, "the account segment is marked dead with the rest")
        #expect(!FileManager.default.fileExists(atPath: path), "and removed with the rest")
    }

    @Test func aSnapshotBeyondTheCapacitiesIsCutAndMarkedTruncated() throws {
        let name = uniqueInstance("acct-cap")
        let config = InstanceConfig(
            instance: name, instruments: [try btc()], accountBalances: 1, accountPositions: 2, accountOrders: 1)
        let instance = try EngineInstance.create(config)
        defer { instance.shutdown(keepSegments: false) }
        let writer = AccountSegmentWriter(segment: instance.account)
        let reader = try AccountSegmentReader(segment: try Segment.attach(instance: name, kind: .account))
        #expect(try writer.publish(sampleView(version: 5)) == 2, "one balance and one order left out")
        let read = try reader.read()
        #expect(read.truncated)
        #expect(read.balances == [sampleView(version: 5).balances[0]])
        #expect(read.positions.count == 2 && read.orders.count == 1)

        #expect(throws: ShmError.self) { _ = try AccountSegmentReader(segment: instance.books) }
    }

    /// Every field of a snapshot is derived from its version, so a reader can tell a torn copy.
    static func derived(_ v: UInt64) -> AccountView {
        let s = Int64(v)
        let balances = (0..<Int(v % 5)).map {
            AccountBalanceView(
                asset: "B\($0)", total: s * 10 + Int64($0), available: s, hold: -s, updatedNs: s, source: .local)
        }
        let positions = (0..<Int(v % 4)).map {
            AccountPositionView(
                strategyId: UInt32(truncatingIfNeeded: v), symbol: "S\(v % 97)", market: .usdm, size: s,
                quantityExponent: -3, entryPrice: s + Int64($0), markPrice: s * 2, unrealized: -s, realized: s,
                fees: s, funding: s, marginUsed: s, liquidationPrice: v % 2 == 0 ? nil : s, leverage: Int32(v % 50),
                updatedNs: s)
        }
        let orders = (0..<Int(v % 7)).map {
            AccountOrderView(
                clientOrderId: "c\(v)-\($0)", venueOrderId: v, symbol: "S\(v % 97)", side: v % 2 == 0 ? .buy : .sell,
                orderType: .limit, state: UInt8(v % 11), isOpen: v % 3 == 0, strategyId: UInt32(truncatingIfNeeded: v),
                price: s, quantity: s + 1, filled: s - 1, priceExponent: -2, quantityExponent: -5, averagePrice: s,
                lastUpdateNs: s, lastEventSeq: v + UInt64($0))
        }
        return AccountView(
            version: v, updatedNs: s, journalSeq: v * 2, quoteAsset: "Q\(v % 1000)",
            totals: AccountTotalsView(
                realized: -s, unrealized: s, total: 0, daily: s, fees: s, funding: -s, maxDrawdown: s,
                winRateBps: Int32(v % 10_000), maxDrawdownBps: v % 2 == 0 ? nil : Int32(v % 10_000)),
            balances: balances, positions: positions, orders: orders)
    }

    /// What the reader thread saw; written by it, read after it finished.
    final class Seen: @unchecked Sendable {
        var reads = 0, torn = 0, backwards = 0, starved = 0, last: UInt64 = 0
        var firstTorn: String?
    }

    @Test(.timeLimit(.minutes(2)))
    func aReaderNeverSeesATornSnapshotWhileTheWriterPublishes() throws {
        let name = uniqueInstance("acct-race")
        let config = InstanceConfig(
            instance: name, instruments: [try btc()], accountBalances: 8, accountPositions: 8, accountOrders: 8)
        let instance = try EngineInstance.create(config)
        defer { instance.shutdown(keepSegments: false) }
        let writer = AccountSegmentWriter(segment: instance.account)
        let final: UInt64 = 20_000
        let seen = Seen()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { done.signal() }
            guard let reader = try? AccountSegmentReader(instance: name) else { return }
            let deadline = Date().addingTimeInterval(60)
            while seen.last < final && Date() < deadline {
                do {
                    let view = try reader.read()
                    seen.reads += 1
                    if view.version < seen.last { seen.backwards += 1 }
                    seen.last = view.version
                    if view.version > 0 && view != Self.derived(view.version) {
                        seen.torn += 1
                        if seen.firstTorn == nil { seen.firstTorn = "\(view)" }
                    }
                } catch {
                    seen.starved += 1
                }
            }
        }
        thread.start()
        for v in 1...final { try writer.publish(Self.derived(v)) }
        #expect(done.wait(timeout: .now() + 90) == .success, "the reader thread did not finish")
        #expect(seen.torn == 0, "torn snapshot, first: \(seen.firstTorn ?? "")")
        #expect(seen.backwards == 0)
        #expect(seen.last == final, "the reader saw the last version")
        #expect(seen.reads > 0)
        print("account race: \(seen.reads) consistent reads, \(seen.starved) starved, 0 torn")
    }
}

import EngineKit
import EngineModel
import Foundation
import Testing

/// Runs the synthetic venue for a fixed number of events, unpaced, and waits for it.
func runVenue(_ instance: EngineInstance, events: UInt64, seed: UInt64 = 7) throws {
    var config = SyntheticVenueConfig(startPrices: Array(repeating: 6_500_000, count: instance.config.instruments.count))
    config.seed = seed
    config.rate = 0
    config.maxEvents = events
    let venue = try SyntheticVenue(instance: instance, config: config)
    try venue.start()
    try venue.join()
    #expect(venue.events == events)
}

@Suite struct SyntheticVenueTests {
    @Test func everyEventArrivesGapFreeAndBooksMatchTheLastTopOfBook() throws {
        let name = uniqueInstance("synth")
        let instance = try EngineInstance.create(
            InstanceConfig(instance: name, instruments: [try btc(), try eth()], mdSlots: 1 << 14))
        defer { instance.shutdown(keepSegments: false) }
        let reader = try RingReader(instance: name)
        try runVenue(instance, events: 3000)

        var expectedSeq = reader.nextSeq
        var lastTop: [Int: TopOfBook] = [:]
        var lastUpdate: [Int: UInt64] = [:]
        var trades = 0
        loop: while true {
            switch reader.poll() {
            case .event(let event):
                #expect(event.seq == expectedSeq)
                expectedSeq += 1
                if case .book(let top) = event.kind {
                    if let previous = lastUpdate[event.instrument] { #expect(top.updateId == previous + 1) }
                    lastUpdate[event.instrument] = top.updateId
                    if !top.stale { #expect(top.bidPrice < top.askPrice, "crossed book at \(event.seq)") }
                    lastTop[event.instrument] = top
                }
                if case .trade(let t) = event.kind {
                    trades += 1
                    #expect(t.quantity > 0)
                }
            case .empty: break loop
            case .lapped, .restarted: Issue.record("unexpected lap or restart"); break loop
            }
        }
        #expect(reader.lost == 0)
        #expect(trades > 0)
        #expect(lastTop.count == 2)

        let books = try BooksReader(instance: name)
        let stats = try StatsReader(instance: name)
        for i in 0..<2 {
            let book = try books.snapshot(i)
            let top = try #require(lastTop[i])
            #expect(book.updateId == top.updateId)
            #expect(book.stale, "the venue marks books stale when it stops")
            #expect(book.bids.first?.price == top.bidPrice)
            #expect(book.asks.first?.price == top.askPrice)
            #expect(book.bids.count == 20 && book.asks.count == 20)
            #expect(zip(book.bids, book.bids.dropFirst()).allSatisfy { $0.price > $1.price }, "bids descending")
            #expect(zip(book.asks, book.asks.dropFirst()).allSatisfy { $0.price < $1.price }, "asks ascending")
            #expect(book.bids.allSatisfy { $0.quantity > 0 && $0.price % 1 == 0 })
            #expect(stats.instrument(i).lastUpdateId == book.updateId)
        }
        #expect(stats.counter(globalCounterNames.first { $0.name == "synth_steps" }!.index) == 3000)
        #expect(stats.histogram(histogramNames.first { $0.name == "book_write_ns" }!.index).count > 3000)
    }

    @Test func theSameSeedGivesTheSameBooks() throws {
        var tops: [[BookLevel]] = []
        for run in 0..<2 {
            let name = uniqueInstance("seed\(run)")
            let instance = try EngineInstance.create(InstanceConfig(instance: name, instruments: [try btc()]))
            defer { instance.shutdown(keepSegments: false) }
            try runVenue(instance, events: 500, seed: 42)
            let book = try BooksReader(instance: name).snapshot(0)
            tops.append(book.bids + book.asks)
        }
        #expect(tops[0] == tops[1])
    }

    @Test func aLappedReaderReportsTheLossAndResumesContiguously() throws {
        let name = uniqueInstance("lap")
        let instance = try EngineInstance.create(InstanceConfig(instance: name, instruments: [try btc()], mdSlots: 64))
        defer { instance.shutdown(keepSegments: false) }
        let reader = try RingReader(instance: name)
        let start = reader.nextSeq
        try runVenue(instance, events: 1000)
        guard case .lapped(let lost) = reader.poll() else {
            Issue.record("expected a lap")
            return
        }
        #expect(lost > 0)
        #expect(reader.nextSeq == start + lost)
        var previous: UInt64?
        while case .event(let event) = reader.poll() {
            if let previous { #expect(event.seq == previous + 1) }
            previous = event.seq
        }
        #expect(previous != nil)
    }

    @Test func aReaderSeesTheEngineStopAndReattachesToTheNextGeneration() throws {
        let name = uniqueInstance("gen")
        let first = try EngineInstance.create(InstanceConfig(instance: name, instruments: [try btc()]))
        first.setState(.live)
        let reader = try RingReader(instance: name)
        first.shutdown(keepSegments: true)
        #expect(reader.poll() == .restarted)
        let second = try EngineInstance.create(InstanceConfig(instance: name, instruments: [try btc()]))
        defer { second.shutdown(keepSegments: false) }
        try reader.reattach()
        #expect(reader.generation == second.generation)
    }

    @Test func aStartPriceTooCloseToZeroIsRefused() throws {
        let name = uniqueInstance("zero")
        let instance = try EngineInstance.create(InstanceConfig(instance: name, instruments: [try btc()]))
        defer { instance.shutdown(keepSegments: false) }
        #expect(throws: SyntheticVenueError.self) {
            _ = try SyntheticVenue(instance: instance, config: SyntheticVenueConfig(startPrices: [5]))
        }
    }
}

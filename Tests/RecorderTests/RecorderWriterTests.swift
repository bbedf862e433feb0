import Account
import Foundation
import Synchronization
import Testing

@testable import Recorder

@Suite("RecorderWriter")
struct RecorderWriterTests {
    @Test("a burst of 100_000 fills from 2 threads is stored exactly once; counters add up")
    func burst() throws {
        try withStore { store, _ in
            let writer = RecorderWriter(store: store)
            defer { writer.stop() }
            let perThread = 50_000
            let start = ContinuousClock.now
            DispatchQueue.concurrentPerform(iterations: 2) { thread in
                for index in 0..<perThread {
                    let id = UInt64(thread * perThread + index)
                    writer.submit(.fill(makeFill(tradeId: id, ns: Int64(id))))
                }
            }
            try writer.flush()
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print(
                "recorder writer: 100000 fills in \(String(format: "%.3f", seconds)) s = "
                    + "\(String(format: "%.0f", 100_000 / seconds)) fills/s, \(writer.batches) batches, "
                    + "\(writer.stalls) stalls")
            #expect(writer.written == 100_000)
            #expect(writer.lag == 0)
            #expect(writer.batches >= 100_000 / 1_024)
            #expect(writer.lastError == nil)
            // A replay of the first 1000 stores nothing new.
            for id in 0..<1_000 { writer.submit(.fill(makeFill(tradeId: UInt64(id), ns: Int64(id)))) }
            try writer.flush()
            #expect(writer.written == 101_000)
            let keys = try store.fillKeys()
            #expect(keys.count == 100_000)
            #expect(keys.contains("sim:0") && keys.contains("sim:99999"))
        }
    }

    @Test("a full queue blocks the submitter (counted as stalls) and drops nothing")
    func stalls() throws {
        try withStore { store, _ in
            let slow = HookedStore(store) { _ in usleep(2_000) }
            let writer = RecorderWriter(store: slow, capacity: 8, batchLimit: 4)
            defer { writer.stop() }
            for id in 0..<200 { writer.submit(.fill(makeFill(tradeId: UInt64(id)))) }
            try writer.flush()
            #expect(writer.stalls > 0)
            #expect(writer.written == 200)
            #expect(writer.batches >= 50)
            #expect(try store.fillKeys().count == 200)
        }
    }

    @Test("a failing write is retried until stored; flush reports the error")
    func retriesAfterError() throws {
        try withStore { store, _ in
            let remainingFailures = Mutex(2)
            let flaky = HookedStore(store) { (_: RecorderBatch) throws(RecorderError) in
                let fail = remainingFailures.withLock { count -> Bool in
                    count -= 1
                    return count >= 0
                }
                if fail { throw .writeFailed(reason: "disk full (test)") }
            }
            let writer = RecorderWriter(store: flaky)
            defer { writer.stop() }
            writer.submit(.fill(makeFill(tradeId: 1)))
            // Each flush reports the failures since the last report; the retries then store the batch.
            var reported: [RecorderError] = []
            while reported.count < 5 {
                do {
                    try writer.flush()
                    break
                } catch let error as RecorderError {
                    reported.append(error)
                }
            }
            #expect((1...2).contains(reported.count))
            #expect(reported.allSatisfy { $0 == .writeFailed(reason: "disk full (test)") })
            #expect(writer.written == 1)
            #expect(writer.failures == 2)
            #expect(writer.lastError == .writeFailed(reason: "disk full (test)"))
            #expect(try store.fillKeys() == ["sim:1"])
        }
    }

    @Test("stop drains the queue; a submit after stop is written on the caller's thread")
    func stopDrains() throws {
        try withStore { store, _ in
            let writer = RecorderWriter(store: store, capacity: 1_000, batchLimit: 7)
            for id in 0..<500 { writer.submit(.fill(makeFill(tradeId: UInt64(id)))) }
            writer.submit(.journalMark(generation: 4, seq: 500))
            writer.stop()
            #expect(writer.written == 501)
            #expect(try store.journalMark(generation: 4) == 500)
            writer.submit(.fill(makeFill(tradeId: 9_999)))
            try writer.flush()
            writer.stop()
            #expect(writer.written == 502)
            #expect(try store.fillKeys().count == 501)
        }
    }
}

import Account
import EngineModel
import Foundation
import GRDB
import Testing

@testable import Recorder

@Suite("SQLiteRecorder")
struct SQLiteRecorderTests {
    @Test("migrations create the schema; reopening keeps the data")
    func migrationsAndReopen() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("nested/dir/recorder.sqlite").path
            do {
                let store = try SQLiteRecorder(path: path)
                #expect(try store.schemaVersion == SQLiteRecorder.latestSchemaVersion)
                let tables = try store.pool.read { db in
                    try String.fetchSet(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
                }
                let expected: Set = [
                    "orders", "fills", "postings", "balance_snapshots", "position_snapshots",
                    "reconciliation_reports", "alerts", "journal_marks", "md_ticks", "bars",
                ]
                #expect(expected.isSubset(of: tables))
                try store.write(
                    RecorderBatch(items: [.fill(makeFill(tradeId: 1)), .journalMark(generation: 7, seq: 3)]))
            }
            let reopened = try SQLiteRecorder(path: path)
            #expect(try reopened.fills(since: nil, symbol: nil) == [makeFill(tradeId: 1)])
            #expect(try reopened.journalMark(generation: 7) == 3)
            #expect(try reopened.schemaVersion == SQLiteRecorder.latestSchemaVersion)
        }
    }

    @Test("a file of an older schema migrates forward and keeps its rows")
    func olderFileMigrates() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("old.sqlite").path
            do {
                let pool = try DatabasePool(path: path)
                try SQLiteRecorder.migrator.migrate(pool, upTo: "v1-orders-fills-ledger")
                try pool.write { db in
                    try db.execute(sql: "INSERT INTO journal_marks (generation, seq) VALUES (1, 42)")
                }
            }
            let store = try SQLiteRecorder(path: path)
            #expect(try store.schemaVersion == 3)
            #expect(try store.journalMark(generation: 1) == 42)
            try store.write(RecorderBatch(items: [.tick(trade(second, 100, 1))]))
            #expect(try store.ticks(symbol: "BTCUSDT", since: nil).count == 1)
        }
    }

    @Test("the store runs in WAL mode")
    func walMode() throws {
        try withStore { store, _ in
            #expect(try store.journalMode == "wal")
            let synchronous = try store.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
            #expect(synchronous == 1)  // NORMAL
        }
    }

    @Test("a file written by a newer schema is refused with a clear error")
    func newerSchemaRefused() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("future.sqlite").path
            do {
                let store = try SQLiteRecorder(path: path)
                try store.pool.write { db in
                    try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v9-from-the-future')")
                }
            }
            #expect {
                _ = try SQLiteRecorder(path: path)
            } throws: { error in
                guard case .newerSchema(_, let unknown, let latest) = error as? RecorderError else { return false }
                let text = "\(error)"
                print(text)
                return unknown == ["v9-from-the-future"] && latest == "v3-market-data" && text.contains("newer build")
                    && text.contains(path)
            }
        }
    }

    @Test("a path whose directory cannot be created gives a clear error")
    func uncreatableDirectory() throws {
        try withTemporaryDirectory { directory in
            let blocker = directory.appendingPathComponent("a-file")
            try Data("x".utf8).write(to: blocker)
            let path = blocker.appendingPathComponent("sub/recorder.sqlite").path
            #expect {
                _ = try SQLiteRecorder(path: path)
            } throws: { error in
                guard case .cannotCreateDirectory(let dir, let reason) = error as? RecorderError else { return false }
                print(error)
                return dir.hasSuffix("a-file/sub") && reason.contains("is a file, not a directory")
            }
        }
    }

    @Test("a file that is not a database cannot be opened, and says so")
    func notADatabase() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("garbage.sqlite")
            try Data(repeating: 0x5A, count: 4096).write(to: path)
            #expect {
                _ = try SQLiteRecorder(path: path.path)
            } throws: { error in
                guard case .cannotOpen(let opened, _) = error as? RecorderError else { return false }
                print(error)
                return opened == path.path
            }
        }
    }
}

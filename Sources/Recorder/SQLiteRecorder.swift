import Account
import Foundation
import GRDB
import Synchronization

/// The embedded recorder store: one SQLite file in WAL mode, through GRDB.
///
/// Writes come from one thread (the `RecorderWriter`'s); queries may come from any thread and run
/// beside the writer on WAL's reader connections. Market data state (each symbol's open tick
/// block and bars) is kept in memory between batches and restored when a batch rolls back.
public final class SQLiteRecorder: RecorderStore {
    /// The database file.
    public let path: String
    /// Ticks per compressed block: a block row is rewritten as it grows, then a new one starts.
    public static let ticksPerBlock = 512

    let pool: DatabasePool
    let marketData = Mutex(MarketDataState())

    /// Opens (creating it and its directory when missing) and migrates the store at `path`.
    ///
    /// Throws `.cannotCreateDirectory` when the parent directory cannot be made, `.cannotOpen`
    /// when SQLite cannot open the file, `.newerSchema` when a newer build wrote it, and
    /// `.migrationFailed` when bringing it to this build's schema fails.
    public init(path: String) throws(RecorderError) {
        self.path = path
        try SQLiteRecorder.makeParentDirectory(of: path)
        var configuration = Configuration()
        // Another process (`engine orders`, a notebook) may hold the write lock for a moment.
        configuration.busyMode = .timeout(5)
        configuration.label = "tickwire.recorder"
        configuration.prepareDatabase { db in
            // In WAL mode NORMAL syncs at checkpoints, not at every commit: a commit survives a
            // crash of the process (it is in the WAL, in the OS cache), and a power loss can only
            // take the last commits back, never corrupt the file. What such a loss takes back is
            // also not marked stored (journal marks commit with their records), so it is replayed.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw .cannotOpen(path: path, reason: SQLiteRecorder.describe(error))
        }
        try migrate()
    }

    /// Brings the file to this build's schema, refusing a file a newer build migrated further.
    private func migrate() throws(RecorderError) {
        let migrator = SQLiteRecorder.migrator
        let applied: Set<String>
        do {
            applied = try pool.read { db in try migrator.appliedIdentifiers(db) }
        } catch {
            throw .cannotOpen(path: path, reason: SQLiteRecorder.describe(error))
        }
        let unknown = applied.subtracting(migrator.migrations)
        if !unknown.isEmpty {
            throw .newerSchema(
                path: path, unknownMigrations: unknown.sorted(), latestKnown: migrator.migrations.last ?? "none")
        }
        // Two processes may open a new file at the same moment (the engine's recorder and a read
        // command such as `engine fills`): the one that loses the race fails on a table the other
        // just made. Once the winner is done the migrations are applied, and trying again is a no-op.
        var attempt = 0
        while true {
            do {
                try migrator.migrate(pool)
                return
            } catch {
                attempt += 1
                if attempt >= 5 { throw .migrationFailed(path: path, reason: SQLiteRecorder.describe(error)) }
                usleep(UInt32(50_000 * attempt))
            }
        }
    }

    /// Writes `batch` in one transaction; on failure nothing of it is stored and the in-memory
    /// market data state is put back as it was.
    public func write(_ batch: RecorderBatch) throws(RecorderError) {
        try marketData.withLock { (state: inout MarketDataState) throws(RecorderError) in
            let saved = state
            do {
                try pool.write { db in
                    for item in batch.items {
                        try apply(item, db, &state)
                    }
                    try state.flush(db)
                }
            } catch {
                state = saved
                if let error = error as? RecorderError { throw error }
                throw .writeFailed(reason: SQLiteRecorder.describe(error))
            }
        }
    }

    /// How many migrations the file has applied.
    public var schemaVersion: Int {
        get throws(RecorderError) {
            try read { db in try SQLiteRecorder.migrator.appliedMigrations(db).count }
        }
    }

    /// The SQLite journal mode in use ("wal").
    public var journalMode: String {
        get throws(RecorderError) {
            try read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
        }
    }

    /// Runs a query, mapping GRDB's errors to `.readFailed`.
    func read<T>(_ body: (Database) throws -> T) throws(RecorderError) -> T {
        do {
            return try pool.read(body)
        } catch let error as RecorderError {
            throw error
        } catch {
            throw .readFailed(reason: SQLiteRecorder.describe(error))
        }
    }

    /// An error's text: SQLite's message and the statement for GRDB errors.
    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return "SQLite error \(error.resultCode.rawValue): \(error.message ?? "\(error)")"
                + (error.sql.map { " (while executing \($0))" } ?? "")
        }
        return "\(error)"
    }

    /// Creates the directory `path` lives in, saying which ancestor is in the way when it fails.
    private static func makeParentDirectory(of path: String) throws(RecorderError) {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        if files.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue { return }
        do {
            try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            var ancestor = directory
            while ancestor != "/" && !ancestor.isEmpty && !files.fileExists(atPath: ancestor) {
                ancestor = URL(fileURLWithPath: ancestor).deletingLastPathComponent().path
            }
            var ancestorIsDirectory: ObjCBool = false
            _ = files.fileExists(atPath: ancestor, isDirectory: &ancestorIsDirectory)
            let reason =
                ancestorIsDirectory.boolValue
                ? "\(ancestor) is not writable (\(error.localizedDescription))"
                : "\(ancestor) is a file, not a directory"
            throw .cannotCreateDirectory(path: directory, reason: reason)
        }
    }
}

import Account
import Logging
import PostgresNIO
import Recorder
import Synchronization

/// The recorder's at-scale store: the same tables and answers as `SQLiteRecorder`, in a PostgreSQL
/// database (`engine --recorder postgres://user[:password]@host:port/database`).
///
/// The store owns one event loop thread and two connections on it: one for writes (and the reads a
/// write needs), one for queries, so a query never waits behind a batch and never sees one half
/// written. Each is reopened on next use when the server closed it. Methods block the calling thread
/// until the server answers: call them from the recorder's writer thread or another ordinary thread,
/// never from a Swift concurrency task or an event loop (see BlockingPostgres.swift).
///
/// Like the SQLite store it keeps market data state between batches (each symbol's open tick block
/// and its latest bars) and puts it back when a batch rolls back. One process writes a database.
public final class PostgresRecorder: RecorderStore {
    /// Where the store connects (its `description` masks the password).
    public let url: PostgresURL

    let logger: Logger
    private let group: MultiThreadedEventLoopGroup
    let writer: Mutex<WriterState>
    let reader: Mutex<BlockingPostgres?>

    /// What the writer connection's lock guards.
    struct WriterState: Sendable {
        var connection: BlockingPostgres?
        var marketData = PostgresMarketData()
    }

    /// Connects to the server at `url` and brings the database to this build's schema.
    ///
    /// Throws `.cannotOpen` for a malformed URL or a server that cannot be reached or refuses the
    /// login, `.newerSchema` when a newer build migrated the database further, and
    /// `.migrationFailed` when a migration fails. No error or log line carries the password.
    public init(url text: String, logger: Logger = Logger(label: "tickwire.recorder.postgres")) throws(RecorderError) {
        let url = try PostgresURL(parsing: text)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let connection: BlockingPostgres
        do {
            connection = try BlockingPostgres.connect(url, on: group.next(), logger: logger)
        } catch {
            try? group.syncShutdownGracefully()
            throw .cannotOpen(path: url.description, reason: PostgresRecorder.describeConnect(error, url))
        }
        do {
            try PostgresRecorder.migrate(connection, url)
        } catch {
            connection.close()
            try? group.syncShutdownGracefully()
            throw error
        }
        self.url = url
        self.logger = logger
        self.group = group
        self.writer = Mutex(WriterState(connection: connection))
        self.reader = Mutex(nil)
        logger.info("recorder: PostgreSQL store open", metadata: ["url": "\(url)"])
    }

    deinit {
        close()
        try? group.syncShutdownGracefully()
    }

    /// Closes both connections (the next call reopens them). Called by deinit.
    public func close() {
        writer.withLock { state in
            state.connection?.close()
            state.connection = nil
        }
        reader.withLock { connection in
            connection?.close()
            connection = nil
        }
    }

    /// Writes `batch` in one transaction; on failure nothing of it is stored and the in-memory
    /// market data state is put back as it was.
    public func write(_ batch: RecorderBatch) throws(RecorderError) {
        try writer.withLock { (state: inout WriterState) throws(RecorderError) in
            let db = try connected(&state.connection, failure: RecorderError.writeFailed)
            let saved = state.marketData
            do {
                try db.transaction { pipeline in
                    for item in batch.items {
                        try apply(item, &pipeline, &state.marketData)
                    }
                    try state.marketData.flush(&pipeline)
                }
            } catch {
                state.marketData = saved
                if let error = error as? RecorderError { throw error }
                throw .writeFailed(reason: describePostgresError(error))
            }
        }
    }

    /// How many migrations the database has applied.
    public var schemaVersion: Int {
        get throws(RecorderError) {
            try query { db in
                let rows = try db.run("SELECT count(*) AS n FROM tickwire_migrations")
                return Int(try PGRow(rows[0], table: "tickwire_migrations").int64("n"))
            }
        }
    }

    /// Runs a query on the reader connection, mapping failures to `.readFailed`.
    func query<T>(_ body: (BlockingPostgres) throws -> T) throws(RecorderError) -> T {
        try reader.withLock { (connection: inout BlockingPostgres?) throws(RecorderError) -> T in
            let db = try connected(&connection, failure: RecorderError.readFailed)
            do {
                return try body(db)
            } catch let error as RecorderError {
                throw error
            } catch let error as PostgresDecodingError {
                throw .corruptData(
                    reason:
                        "column \(error.columnName) (\(error.postgresType)) is not a \(error.targetType): \(error.code)"
                )
            } catch {
                throw .readFailed(reason: describePostgresError(error))
            }
        }
    }

    /// `connection`, reopened first when it is missing or the server closed it.
    private func connected(_ connection: inout BlockingPostgres?, failure: (String) -> RecorderError)
        throws(RecorderError) -> BlockingPostgres
    {
        if let open = connection, !open.connection.isClosed { return open }
        connection?.close()
        connection = nil
        do {
            let fresh = try BlockingPostgres.connect(url, on: group.next(), logger: logger)
            connection = fresh
            return fresh
        } catch {
            throw failure("cannot reach \(url): \(PostgresRecorder.describeConnect(error, url))")
        }
    }

    /// Why connecting failed, in words that say what to check.
    static func describeConnect(_ error: any Error, _ url: PostgresURL) -> String {
        let text = describePostgresError(error)
        if text.contains("Connection refused") || text.contains("connectTimeout") || text.contains("connectionError") {
            return "no PostgreSQL server answers at \(url.host):\(url.port) (\(text))"
        }
        return text
    }
}

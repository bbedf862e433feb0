import Logging
import PostgresNIO

// The bridge from the recorder's synchronous protocol to PostgresNIO. A store owns one event loop
// thread of its own (a MultiThreadedEventLoopGroup of one), its connections live on that loop, and
// callers block on the EventLoopFuture of each round trip (`wait()`, a condition-variable wait).
//
// This is only correct on ordinary threads: the recorder's writer thread and control-plane threads.
// Never call a PostgresRecorder method from a Swift concurrency task or from an event loop: a
// cooperative-pool thread blocked here starves the pool, and NIO traps when an event loop waits on
// itself. Async callers hop to a thread of their own first.

/// One connection used synchronously: every call blocks until the server has answered.
struct BlockingPostgres: Sendable {
    let connection: PostgresConnection
    let logger: Logger

    /// Connects to `url` on `loop`, waiting for the server to accept the login.
    static func connect(_ url: PostgresURL, on loop: any EventLoop, logger: Logger) throws -> BlockingPostgres {
        var configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database,
            tls: .disable)
        configuration.options.connectTimeout = .seconds(5)
        let connection = try PostgresConnection.connect(
            on: loop, configuration: configuration, id: 1, logger: logger
        ).wait()
        return BlockingPostgres(connection: connection, logger: logger)
    }

    /// Runs one statement and returns its rows.
    @discardableResult
    func run(_ query: PostgresQuery) throws -> [PostgresRow] {
        try connection.query(query, logger: logger).wait().rows
    }

    /// Runs `body` between BEGIN and COMMIT; rolls back and rethrows when it throws.
    ///
    /// Statements `body` sends through the pipeline are not waited for one by one: they queue on
    /// the connection and are checked before COMMIT, so a batch costs about one round trip plus one
    /// per query whose rows it needs.
    func transaction<T>(_ body: (inout Pipeline) throws -> T) throws -> T {
        var pipeline = Pipeline(connection: connection, logger: logger)
        pipeline.send("BEGIN")
        do {
            let value = try body(&pipeline)
            try pipeline.drain()
            try run("COMMIT")
            return value
        } catch {
            pipeline.abandon()
            // A failed ROLLBACK leaves nothing to undo: the server drops an open transaction with the session.
            _ = try? run("ROLLBACK")
            throw error
        }
    }

    /// Closes the connection, waiting for the server to see it go.
    func close() {
        try? connection.close().wait()
    }
}

/// Statements of one transaction, sent without waiting; the first failure is the one reported (the
/// statements after it only fail because the transaction is aborted).
struct Pipeline {
    let connection: PostgresConnection
    let logger: Logger
    private var pending: [EventLoopFuture<PostgresQueryResult>] = []

    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// Queues a statement whose rows are not needed.
    mutating func send(_ query: PostgresQuery) {
        pending.append(connection.query(query, logger: logger))
    }

    /// Runs a statement after everything queued and returns its rows.
    mutating func fetch(_ query: PostgresQuery) throws -> [PostgresRow] {
        let future = connection.query(query, logger: logger)
        try drain()
        return try future.wait().rows
    }

    /// Waits for every queued statement; throws the first failure.
    mutating func drain() throws {
        var firstError: (any Error)?
        for future in pending {
            do {
                _ = try future.wait()
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        pending.removeAll(keepingCapacity: true)
        if let firstError { throw firstError }
    }

    /// Waits for every queued statement, ignoring how they ended (the transaction rolls back).
    mutating func abandon() {
        for future in pending { _ = try? future.wait() }
        pending.removeAll()
    }
}

/// A PostgresNIO error as a sentence: the server's SQLSTATE, message and detail, or the client-side
/// cause (connection refused, closed, authentication). PSQLError hides everything in `description`;
/// the parts used here carry no password (the server never echoes one, and binds are not printed).
func describePostgresError(_ error: any Error) -> String {
    guard let error = error as? PSQLError else { return "\(error)" }
    if let info = error.serverInfo {
        var text = "PostgreSQL error \(info[.sqlState] ?? "?"): \(info[.message] ?? "no message")"
        if let detail = info[.detail] { text += " (\(detail))" }
        if let sql = error.query?.sql { text += " while executing: \(sql.prefix(200))" }
        return text
    }
    var text = "\(error.code)"
    if let underlying = error.underlying { text += ": \(underlying)" }
    return text
}

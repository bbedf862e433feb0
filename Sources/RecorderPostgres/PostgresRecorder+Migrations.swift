import Logging
import PostgresNIO
import Recorder

// Applying the schema (PostgresRecorder+Schema.swift). The applied migrations' names live in
// tickwire_migrations. Each migration runs in a transaction of its own under an advisory lock, so
// two engines starting against one empty database apply each migration once: the second waits,
// then finds it applied. A database with a migration this build does not know is refused before
// anything is changed, the same rule as the SQLite store's.

extension PostgresRecorder {
    /// The advisory lock key taken while migrating: "tickwire" in ASCII.
    static let migrationLock: Int64 = 0x7469_636B_7769_7265

    /// Runs `statements` one at a time, outside any transaction (CREATE DATABASE needs that), on a
    /// connection and event loop of their own. For tests and maintenance, not for the recorder's path.
    static func execute(_ statements: [String], url text: String) throws(RecorderError) {
        let url = try PostgresURL(parsing: text)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let db: BlockingPostgres
        do {
            db = try BlockingPostgres.connect(
                url, on: group.next(), logger: Logger(label: "tickwire.recorder.postgres"))
        } catch {
            throw .cannotOpen(path: url.description, reason: describeConnect(error, url))
        }
        defer { db.close() }
        for statement in statements {
            do {
                try db.run(PostgresQuery(unsafeSQL: statement))
            } catch {
                throw .writeFailed(reason: describePostgresError(error))
            }
        }
    }

    /// The migration names the database has recorded.
    static func appliedMigrations(_ db: BlockingPostgres) throws -> Set<String> {
        let rows = try db.run("SELECT name FROM tickwire_migrations")
        return Set(try rows.map { try PGRow($0, table: "tickwire_migrations").text("name") })
    }

    /// Brings the database to this build's schema, refusing one a newer build migrated further.
    static func migrate(_ db: BlockingPostgres, _ url: PostgresURL) throws(RecorderError) {
        let applied: Set<String>
        do {
            try db.transaction { pipeline in
                pipeline.send("SELECT pg_advisory_xact_lock(\(migrationLock))")
                pipeline.send(PostgresQuery(unsafeSQL: migrationsTable))
            }
            applied = try appliedMigrations(db)
        } catch {
            throw .cannotOpen(path: url.description, reason: describePostgresError(error))
        }
        let known = migrations.map(\.name)
        let unknown = applied.subtracting(known)
        if !unknown.isEmpty {
            throw .newerSchema(
                path: url.description, unknownMigrations: unknown.sorted(), latestKnown: known.last ?? "none")
        }
        for migration in migrations where !applied.contains(migration.name) {
            do {
                try db.transaction { pipeline in
                    pipeline.send("SELECT pg_advisory_xact_lock(\(migrationLock))")
                    let done = try pipeline.fetch("SELECT 1 FROM tickwire_migrations WHERE name = \(migration.name)")
                    guard done.isEmpty else { return }
                    for statement in migration.statements {
                        pipeline.send(PostgresQuery(unsafeSQL: statement))
                    }
                    pipeline.send("INSERT INTO tickwire_migrations (name) VALUES (\(migration.name))")
                }
            } catch {
                throw .migrationFailed(
                    path: url.description, reason: "\(migration.name): \(describePostgresError(error))")
            }
        }
    }
}

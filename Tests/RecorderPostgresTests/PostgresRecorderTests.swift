import Account
import EngineModel
import Recorder
import Testing

@testable import RecorderPostgres

/// Opening, migrating, idempotence and the errors of the PostgreSQL store, against a real server.
@Suite("PostgresRecorder", .serialized)
struct PostgresRecorderTests {
    @Test("migrations create the schema; reopening is a no-op and keeps the data", serverAvailable)
    func migratesAndReopens() throws {
        try withDatabase { url, _ in
            do {
                let store = try PostgresRecorder(url: url)
                #expect(try store.schemaVersion == PostgresRecorder.latestSchemaVersion)
                #expect(PostgresRecorder.latestSchemaVersion == SQLiteRecorder.latestSchemaVersion)
                let names = try store.query { db in try PostgresRecorder.appliedMigrations(db) }
                #expect(names == Set(PostgresRecorder.migrations.map(\.name)))
                try store.write(
                    RecorderBatch(items: [.fill(makeFill(tradeId: 1, ns: 5)), .journalMark(generation: 7, seq: 3)]))
            }
            let reopened = try PostgresRecorder(url: url)
            #expect(try reopened.schemaVersion == PostgresRecorder.latestSchemaVersion)
            #expect(try reopened.fills(since: nil, symbol: nil) == [makeFill(tradeId: 1, ns: 5)])
            #expect(try reopened.journalMark(generation: 7) == 3)
        }
    }

    @Test("a fill written twice, in one batch or two, is stored once", serverAvailable)
    func fillStoredOnce() throws {
        try withDatabase { url, _ in
            let store = try PostgresRecorder(url: url)
            let fill = makeFill(tradeId: 42, ns: 9)
            try store.write(RecorderBatch(items: [.fill(fill), .fill(fill)]))
            var replayed = fill
            replayed.price = Price(mantissa: 1, exponent: 0)  // a replay never overwrites the stored fill
            try store.write(RecorderBatch(items: [.fill(replayed)]))
            #expect(try store.fills(since: nil, symbol: nil) == [fill])
            #expect(try store.fillKeys() == ["sim:42"])
        }
    }

    @Test("a database migrated by a newer build is refused with a clear error", serverAvailable)
    func futureMigrationRefused() throws {
        try withDatabase { url, _ in
            _ = try PostgresRecorder(url: url)
            try PostgresRecorder.execute(
                ["INSERT INTO tickwire_migrations (name) VALUES ('v99-from-the-future')"], url: url)
            let port = try PostgresURL(parsing: url).port
            do throws(RecorderError) {
                _ = try PostgresRecorder(url: url)
                Issue.record("a database with an unknown migration was opened")
            } catch {
                #expect(
                    error
                        == .newerSchema(
                            path: "postgres://tickwire@127.0.0.1:\(port)/recorder",
                            unknownMigrations: ["v99-from-the-future"], latestKnown: "v3-market-data"))
                #expect(error.description.contains("v99-from-the-future"))
            }
        }
    }

    @Test(
        "malformed URLs are refused, naming the problem, without the password",
        arguments: [
            "mysql://u:hunter2@127.0.0.1:5432/db", "postgres://u:hunter2@127.0.0.1:5432",
            "postgres://u:hunter2@host:99999/db",
            "postgres://u:hunter2@host:port/db", "postgres://:hunter2@host/db",
            "postgres://u:hunter2@h/db?password=hunter2",
            "postgres://u:hunter2@[::1/db", "postgres://u:hunter2@h/d%ZZ",
        ])
    func badURL(url: String) {
        do throws(RecorderError) {
            _ = try PostgresRecorder(url: url)
            Issue.record("\(url) was accepted")
        } catch {
            guard case .cannotOpen(let path, let reason) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(!error.description.contains("hunter2"), "\(error)")
            #expect(path.contains("***") || !url.contains("@"), "\(path)")
            #expect(!reason.isEmpty)
        }
    }

    @Test("URLs parse: percent-escapes, defaults to loopback and 5432, IPv6, and the password is masked")
    func urlParsing() throws {
        let full = try PostgresURL(parsing: "postgresql://trader:p%40ss:w@db.local:6543/tick%20wire?sslmode=disable")
        #expect(full.user == "trader")
        #expect(full.password == "p@ss:w")
        #expect(full.host == "db.local")
        #expect(full.port == 6543)
        #expect(full.database == "tick wire")
        #expect(full.description == "postgres://trader:***@db.local:6543/tick wire")
        let defaults = try PostgresURL(parsing: "postgres://tickwire@/recorder")
        #expect(defaults.host == "127.0.0.1")
        #expect(defaults.port == 5432)
        #expect(defaults.password == nil)
        let v6 = try PostgresURL(parsing: "postgres://u@[::1]:5433/d")
        #expect(v6.host == "::1")
        #expect(v6.description == "postgres://u@[::1]:5433/d")
    }

    @Test("a server that does not answer gives a clear error without the password")
    func unreachableServer() throws {
        let port = try PostgresServer.freePort()
        do throws(RecorderError) {
            _ = try PostgresRecorder(url: "postgres://tickwire:hunter2@127.0.0.1:\(port)/recorder")
            Issue.record("connected to a port nothing listens on")
        } catch {
            guard case .cannotOpen(let path, let reason) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(path == "postgres://tickwire:***@127.0.0.1:\(port)/recorder")
            #expect(reason.contains("no PostgreSQL server answers at 127.0.0.1:\(port)"), "\(reason)")
            #expect(!error.description.contains("hunter2"))
        }
    }
}

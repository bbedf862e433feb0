/// Why the recorder could not open, migrate, write or read its store.
///
/// Every case carries enough text to act on without a debugger: the path, the operation and the
/// underlying SQLite or file-system message.
public enum RecorderError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The directory that should hold the database could not be created.
    case cannotCreateDirectory(path: String, reason: String)
    /// The database file could not be opened (permissions, not a database, locked, …).
    case cannotOpen(path: String, reason: String)
    /// The file was written by a newer build: it carries migrations this build does not know.
    case newerSchema(path: String, unknownMigrations: [String], latestKnown: String)
    /// A schema migration failed; the file is left at the last migration that succeeded.
    case migrationFailed(path: String, reason: String)
    /// A batch could not be written; nothing of it was stored (the transaction rolled back).
    case writeFailed(reason: String)
    /// A query failed.
    case readFailed(reason: String)
    /// Stored data could not be decoded (an unknown enum value, a truncated tick block, bad JSON).
    case corruptData(reason: String)

    /// A sentence for logs, alerts and the CLI.
    public var description: String {
        switch self {
        case .cannotCreateDirectory(let path, let reason):
            return "recorder: cannot create the directory \(path): \(reason)"
        case .cannotOpen(let path, let reason):
            return "recorder: cannot open the database \(path): \(reason)"
        case .newerSchema(let path, let unknown, let latest):
            return "recorder: \(path) was written by a newer build (migrations "
                + unknown.sorted().joined(separator: ", ")
                + " are unknown here; this build knows up to \(latest)): upgrade the engine or use another file"
        case .migrationFailed(let path, let reason):
            return "recorder: migrating \(path) failed: \(reason)"
        case .writeFailed(let reason):
            return "recorder: write failed, batch rolled back: \(reason)"
        case .readFailed(let reason):
            return "recorder: query failed: \(reason)"
        case .corruptData(let reason):
            return "recorder: stored data is corrupt: \(reason)"
        }
    }
}

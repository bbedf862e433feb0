/// One thing the fault injector did (or a fault armed or cleared), as `GET /admin/faults/log`
/// lists it and swift-log reports it.
public struct FaultLogEntry: Hashable, Sendable {
    /// Increasing from 1 over the server's life.
    public let sequence: Int
    /// Server time in milliseconds.
    public let time: Int64
    /// The fault kind (`disconnect`, `drop-diff`, …).
    public let fault: String
    /// The armed fault's id; nil for a fault attached from a stream URL's `?fault=`.
    public let faultId: Int?
    /// The connection acted on, if any.
    public let connection: Int?
    /// What happened: `armed`, `cleared`, `disconnected`, `dropped-diff`, `malformed-frame`,
    /// `stall-started`, `stall-ended`, `rest-429`, `rest-418`, `order-5xx`, `ack-delayed`,
    /// `duplicated-execution-report`, `pong-timeout`.
    public let action: String
    /// Details in prose, for logs.
    public let detail: String
    /// Details as JSON members (update ids, counts, delays), for tests.
    public let fields: [String: JSONValue]

    /// The entry as a JSON object.
    var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("seq", .int(Int64(sequence))), ("time", .int(time)), ("fault", .string(fault)),
            ("faultId", faultId.map { .int(Int64($0)) } ?? .null),
            ("connection", connection.map { .int(Int64($0)) } ?? .null), ("action", .string(action)),
            ("detail", .string(detail)),
        ]
        for key in fields.keys.sorted() { members.append((key, fields[key]!)) }
        return .object(members)
    }
}

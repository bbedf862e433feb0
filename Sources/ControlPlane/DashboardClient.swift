import Foundation
import Hummingbird
import Synchronization

/// Who is connected to the streams, for max_clients and the clients gauge.
final class DashboardClients: Sendable {
    let maxClients: Int
    private let counts = Mutex<[String: Int]>([:])

    init(maxClients: Int) { self.maxClients = maxClients }

    /// Dashboard clients of every type.
    var count: Int { counts.withLock { ($0["tui"] ?? 0) + ($0["web"] ?? 0) } }

    /// Takes a dashboard slot for a client of `type`; nil when all are taken. Returns the type's count.
    func join(_ type: String) -> Int? {
        counts.withLock { c in
            guard (c["tui"] ?? 0) + (c["web"] ?? 0) < maxClients else { return nil }
            c[type, default: 0] += 1
            return c[type]!
        }
    }

    /// Gives a slot back; returns the type's count.
    func leave(_ type: String) -> Int {
        counts.withLock { c in
            c[type, default: 1] -= 1; return c[type]!
        }
    }

    func joinAccount() -> Int {
        counts.withLock { c in
            c["account", default: 0] += 1; return c["account"]!
        }
    }
    func leaveAccount() -> Int { leave("account") }
}

/// One dashboard client (seed 002 FR-DS-002..005): its type and rate, its format, what it
/// subscribed to, and what it was last sent — so each tick sends only the sections that changed.
struct DashboardClient {
    /// The message types (seed 002 FR-DS-004; AI_SIGNAL is not produced by this engine).
    static let types: [String] = [
        "FULL_STATE", "POSITIONS_UPDATE", "ORDERBOOK_UPDATE", "ORDER_UPDATE", "PNL_UPDATE", "HEALTH_UPDATE", "ALERT",
        "HEARTBEAT",
    ]

    /// What the client asked for when it connected: `?client=tui|web&format=json|msgpack`.
    struct Options {
        var client: String
        var msgpack: Bool
        var intervalMs: Int

        init(query: Hummingbird.Parameters, settings: ControlSettings) throws {
            client = query.get("client") ?? "web"
            guard client == "web" || client == "tui" else {
                throw HTTPError(
                    .badRequest, message: "client must be tui or web, not '\(ControlServer.printable(client))'")
            }
            let format = query.get("format") ?? "json"
            guard format == "json" || format == "msgpack" else {
                throw HTTPError(
                    .badRequest, message: "format must be json or msgpack, not '\(ControlServer.printable(format))'")
            }
            msgpack = format == "msgpack"
            intervalMs = client == "tui" ? settings.tuiIntervalMs : settings.webIntervalMs
        }
    }

    let options: Options
    var types = Set(Self.types)
    /// nil: every symbol.
    var symbols: Set<String>?
    var seq: UInt64 = 0
    var sentPositions: JSONValue?
    var sentOrders: JSONValue?
    var sentPnl: JSONValue?
    var sentHealth: JSONValue?
    var sentBooks: [String: JSONValue] = [:]
    var seenAlerts = Set<String>()

    init(options: Options) { self.options = options }

    /// A subscription message: {"action": "subscribe"|"unsubscribe", "types": [...], "symbols": [...]}
    /// or {"action": "ping"}. Returns what to answer: nil for nothing, else an error or a heartbeat.
    mutating func handle(_ text: String) -> (type: String, data: JSONValue)? {
        struct Message: Decodable {
            var action: String
            var types: [String]?
            var symbols: [String]?
        }
        guard text.utf8.count <= 4096, let m = try? JSONDecoder().decode(Message.self, from: Data(text.utf8)) else {
            return (
                "ERROR",
                [
                    "message": .string(
                        "send {\"action\": \"subscribe\"|\"unsubscribe\"|\"ping\", "
                            + "\"types\": [...], \"symbols\": [...]}")
                ]
            )
        }
        if let unknown = m.types?.first(where: { !Self.types.contains($0) }) {
            return (
                "ERROR",
                [
                    "message": .string(
                        "unknown type '\(ControlServer.printable(unknown))'; "
                            + "types: \(Self.types.joined(separator: ","))"
                    )
                ]
            )
        }
        let named = m.symbols.map { Set($0.map { $0.uppercased() }) }
        switch m.action {
        case "subscribe":
            if let t = m.types { types = Set(t).union(["FULL_STATE", "HEARTBEAT"]) }
            if let named { symbols = named }
        case "unsubscribe":
            if let t = m.types { types.subtract(t) }
            if let named { symbols = (symbols ?? Set(sentBooks.keys)).subtracting(named) }
        case "ping":
            return ("HEARTBEAT", ["seq": .int(Int64(seq))])
        default:
            return (
                "ERROR",
                [
                    "message": .string(
                        "action must be subscribe, unsubscribe or ping, not '\(ControlServer.printable(m.action))'")
                ]
            )
        }
        // A changed subscription is answered by fresh sections at the next tick.
        sentPositions = nil
        sentOrders = nil
        sentPnl = nil
        sentHealth = nil
        sentBooks = [:]
        return nil
    }

    /// Whether the client wants books of `symbol`.
    func wants(symbol: String) -> Bool { symbols?.contains(symbol) ?? true }

    /// The first message: everything.
    mutating func full(_ view: StateHub.View, history: [JSONValue], symbols all: [String]) -> JSONValue {
        let books = all.filter(wants).reduce(into: [String: JSONValue]()) { $0[$1] = view.books[$1] ?? .null }
        sentPositions = view.positions
        sentOrders = view.orders
        sentPnl = view.pnl
        sentHealth = view.health
        sentBooks = books
        seenAlerts = Set(view.alerts.compactMap { $0["id"]?.string })
        return [
            "client": [
                "type": .string(options.client), "interval_ms": .int(Int64(options.intervalMs)),
                "format": .string(options.msgpack ? "msgpack" : "json"),
            ],
            "symbols": .array(all.map { .string($0) }), "positions": view.positions, "orders": view.orders,
            "books": .object(books), "pnl": view.pnl, "pnl_history": .array(history), "health": view.health,
            "strategies": view.strategies, "alerts": .array(view.alerts),
        ]
    }

    /// The updates of one tick: the sections that changed since they were last sent, new alerts.
    mutating func updates(_ view: StateHub.View) -> [(type: String, data: JSONValue)] {
        var out: [(String, JSONValue)] = []
        if types.contains("POSITIONS_UPDATE"), view.positions != sentPositions {
            sentPositions = view.positions
            out.append(("POSITIONS_UPDATE", view.positions))
        }
        if types.contains("ORDER_UPDATE"), view.orders != sentOrders {
            sentOrders = view.orders
            out.append(("ORDER_UPDATE", view.orders))
        }
        if types.contains("ORDERBOOK_UPDATE") {
            var changed: [String: JSONValue] = [:]
            for (symbol, book) in view.books where wants(symbol: symbol) && sentBooks[symbol] != book {
                changed[symbol] = book
                sentBooks[symbol] = book
            }
            if !changed.isEmpty { out.append(("ORDERBOOK_UPDATE", .object(changed))) }
        }
        if types.contains("PNL_UPDATE"), view.pnl != sentPnl {
            sentPnl = view.pnl
            out.append(
                (
                    "PNL_UPDATE",
                    ["pnl": view.pnl, "point": ["t": .int(view.nowNs), "total": view.pnl["total_pnl"] ?? .null]]
                ))
        }
        if types.contains("HEALTH_UPDATE"), view.health != sentHealth {
            sentHealth = view.health
            out.append(("HEALTH_UPDATE", ["health": view.health, "strategies": view.strategies]))
        }
        for alert in view.alerts.reversed() {
            guard let id = alert["id"]?.string, seenAlerts.insert(id).inserted else { continue }
            if types.contains("ALERT") { out.append(("ALERT", alert)) }
        }
        return out
    }

    /// A message in the envelope every dashboard message has.
    mutating func envelope(_ type: String, _ data: JSONValue, nowNs: Int64) -> JSONValue {
        seq += 1
        return ["type": .string(type), "seq": .int(Int64(seq)), "ts_ns": .int(nowNs), "data": data]
    }
}

import Foundation
import HTTPTypes
import Hummingbird

/// The fault injector's admin endpoints, on the venue's own port, answered to loopback
/// clients only (403 otherwise):
/// - `GET /admin/faults` — armed faults and open WebSocket connections (ids for `conn=`).
/// - `POST /admin/faults` — arms faults: a JSON body `{"spec":"…"}` or `{"specs":["…",…]}`, or
///   `?spec=…`; answers `{"armed":[{"id":N,"spec":"…"}]}`, or 400 `{"error":"…"}`.
/// - `DELETE /admin/faults[?id=N]` — clears one fault or all (ending stalls); `{"cleared":N}`.
/// - `GET /admin/faults/log[?since=SEQ]` — what the faults did, oldest first.
struct AdminFaults: Sendable {
    /// The injector.
    let faults: FaultRegistry

    /// Adds the endpoints to the REST router.
    func addRoutes(to router: Router<SpotRequestContext>) {
        router.get("/admin/faults") { _, context in guarded(context) { listing() } }
        router.post("/admin/faults") { request, context in
            var request = request
            let body = (try? await request.collectBody(upTo: 1 << 16)).map { String(buffer: $0) } ?? ""
            return guarded(context) { arm(query: request.uri.queryParameters.getAll("spec"), body: body) }
        }
        router.delete("/admin/faults") { request, context in
            guarded(context) {
                let id = request.uri.queryParameters.get("id").flatMap { Int($0) }
                return (.ok, .object([("cleared", .int(Int64(faults.clear(id: id))))]))
            }
        }
        router.get("/admin/faults/log") { request, context in
            guarded(context) {
                let since = request.uri.queryParameters.get("since").flatMap { Int($0) } ?? 0
                return (.ok, .object([("entries", .array(faults.logEntries(since: since).map(\.json)))]))
            }
        }
    }

    /// Runs `body` for loopback clients; 403 for others.
    private func guarded(
        _ context: SpotRequestContext, _ body: () -> (HTTPResponse.Status, JSONValue)
    ) -> Response {
        let loopback =
            context.clientIP.hasPrefix("127.") || context.clientIP == "::1"
            || context.clientIP.hasPrefix("::ffff:127.")
        let (status, json) = loopback ? body() : (.forbidden, .object([("error", .string("loopback only"))]))
        return SpotAPI.response(json, status: status)
    }

    /// `GET /admin/faults`.
    private func listing() -> (HTTPResponse.Status, JSONValue) {
        let armed = faults.armedFaults.map { fault in
            JSONValue.object([
                ("id", .int(Int64(fault.id))), ("spec", .string(fault.spec.description)),
                ("kind", .string(fault.spec.kind.rawValue)), ("source", .string(fault.source)),
            ])
        }
        let connections = faults.openConnections.map { c in
            JSONValue.object([
                ("id", .int(Int64(c.id))), ("kind", .string(c.kind.rawValue)), ("path", .string(c.path)),
                ("remote", .string(c.remote)), ("openedAt", .int(c.openedAt)), ("messages", .int(Int64(c.messages))),
                ("faults", .array(c.faults.map { .string($0) })),
            ])
        }
        return (.ok, .object([("faults", .array(armed)), ("connections", .array(connections))]))
    }

    /// `POST /admin/faults`: parses every spec first, so a bad one arms nothing.
    private func arm(query: [String], body: String) -> (HTTPResponse.Status, JSONValue) {
        var texts = query
        if !body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] else {
                return Self.error(#"the body must be a JSON object {"spec":"…"} or {"specs":["…"]}"#)
            }
            if let spec = object["spec"] as? String { texts.append(spec) }
            if let specs = object["specs"] as? [String] { texts += specs }
        }
        guard !texts.isEmpty else { return Self.error("no fault spec given") }
        var specs: [FaultSpec] = []
        for text in texts {
            do throws(FaultSpecError) {
                specs.append(try FaultSpec(parsing: text))
            } catch {
                return Self.error(error.description)
            }
        }
        var armed: [JSONValue] = []
        for spec in specs {
            do throws(FaultRegistry.ArmError) {
                let id = try faults.arm(spec, source: "admin")
                armed.append(.object([("id", .int(Int64(id))), ("spec", .string(spec.description))]))
            } catch {
                return Self.error(error.description)
            }
        }
        return (.ok, .object([("armed", .array(armed))]))
    }

    /// A 400 with `{"error":"…"}`.
    private static func error(_ message: String) -> (HTTPResponse.Status, JSONValue) {
        (.badRequest, .object([("error", .string(message))]))
    }
}

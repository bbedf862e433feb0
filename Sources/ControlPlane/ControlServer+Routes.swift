import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import NIOCore

extension ControlServer {
    /// The HTTP API (seed 000 controllers, seed 002 FR-AM-006 and /health), /metrics and the page.
    func addRoutes(to router: Router<BasicWebSocketRequestContext>) {
        let source = self.source
        let hub = self.hub
        let metrics = self.metrics
        router.get("/") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/html; charset=utf-8"
            headers[.contentSecurityPolicy] =
                "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:"
            return Response(
                status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: DashboardPage.html)))
        }
        router.get("/health") { _, _ in
            let health = hub.view.health
            let status: HTTPResponse.Status = health["status"]?.string == "unhealthy" ? .serviceUnavailable : .ok
            return Self.json(health, status: status)
        }
        router.get("/metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(
                status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
        }
        router.get("/api/status") { _, _ in Self.json(source.status()) }
        router.get("/api/account/snapshot") { _, _ in
            guard let account = source.account else { return Self.error(.notFound, "this engine keeps no account") }
            return Self.json(AccountShapes.snapshot(account.store.snapshot))
        }
        router.get("/api/account/orders/{id}") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let account = source.account else { return Self.error(.notFound, "this engine keeps no account") }
            guard let order = account.store.snapshot.orders[id] else {
                return Self.error(.notFound, "no order '\(Self.printable(id))' in the account")
            }
            return Self.json(AccountShapes.order(order))
        }
        router.get("/api/balances") { _, _ in
            guard let account = source.account else { return Self.error(.notFound, "this engine keeps no account") }
            let s = account.store.snapshot
            return Self.json(.array(s.balances.keys.sorted().map { AccountShapes.balance(s.balances[$0]!) }))
        }
        router.get("/api/positions") { _, _ in
            guard let account = source.account else { return Self.error(.notFound, "this engine keeps no account") }
            let s = account.store.snapshot
            return Self.json(.array(s.positions.keys.sorted().map { AccountShapes.position(s.positions[$0]!) }))
        }
        router.get("/api/pnl") { _, _ in
            guard let account = source.account else { return Self.error(.notFound, "this engine keeps no account") }
            let s = account.store.snapshot
            let strategies = s.pnlByStrategy.keys.sorted().map { id -> JSONValue in
                ["strategy_id": .int(Int64(id)), "pnl": AccountShapes.pnl(s.pnlByStrategy[id]!)]
            }
            return Self.json([
                "version": .int(Int64(s.version)), "total": AccountShapes.pnl(s.pnl), "strategies": .array(strategies),
                "history": .array(hub.pnlHistory),
            ])
        }
        router.get("/api/books/{symbol}") { request, context in
            let symbol = (context.parameters.get("symbol") ?? "").uppercased()
            let depthText = request.uri.queryParameters.get("depth")
            let depth: Int? = depthText.map { Int($0) } ?? 20
            guard let depth, (1...1000).contains(depth) else {
                return Self.error(.badRequest, "depth must be a whole number from 1 to 1000")
            }
            guard let book = source.book(symbol: symbol, depth: depth) else {
                return Self.error(
                    .notFound,
                    "unknown symbol '\(Self.printable(symbol))'; known: \(source.symbols.joined(separator: ","))")
            }
            return Self.json(book)
        }
        router.get("/api/orders") { request, _ in
            let open = request.uri.queryParameters.get("open").map { $0 == "true" || $0 == "1" } ?? false
            return Self.json(.array(source.orders(openOnly: open)))
        }
        router.get("/api/strategies") { _, _ in
            guard let report = source.strategies() else {
                return Self.error(.notFound, "this engine runs no strategies")
            }
            return Self.json(report)
        }
        router.get("/api/alerts") { request, _ in
            let limit: Int? = request.uri.queryParameters.get("limit").map { Int($0) } ?? 100
            guard let limit, limit > 0 else {
                return Self.error(.badRequest, "limit must be a positive whole number")
            }
            return Self.json(.array(source.alerts(limit: min(limit, 1000))))
        }
        addCommands(to: router)
    }

    /// The mutating endpoints (the Guard has checked the token).
    func addCommands(to router: Router<BasicWebSocketRequestContext>) {
        let source = self.source
        let limit = settings.maxBodyBytes
        router.post("/api/orders") { request, _ in
            let body = try await request.body.collect(upTo: limit)
            let form: OrderForm
            do { form = try JSONDecoder().decode(OrderForm.self, from: Data(buffer: body)) } catch {
                return Self.error(
                    .badRequest,
                    "the body must be a JSON object with symbol, side, quantity and "
                        + "optionally price, type, time_in_force, client_order_id (\(Self.decodingProblem(error)))")
            }
            return Self.answer(await source.perform(.place(form)))
        }
        router.delete("/api/orders/{id}") { _, context in
            let id = context.parameters.get("id") ?? ""
            return Self.answer(await source.perform(.cancel(clientOrderId: id)))
        }
        router.post("/api/risk/{action}") { request, context in
            let action = context.parameters.get("action") ?? ""
            guard ["halt", "reduce", "resume"].contains(action) else {
                return Self.error(.notFound, "risk actions are halt, reduce and resume")
            }
            let body = try await request.body.collect(upTo: limit)
            var reason = "by an operator (control plane)"
            if body.readableBytes > 0 {
                struct Reason: Decodable { var reason: String? }
                guard let parsed = try? JSONDecoder().decode(Reason.self, from: Data(buffer: body)) else {
                    return Self.error(.badRequest, "the body, when given, must be a JSON object {\"reason\": \"...\"}")
                }
                if let given = parsed.reason { reason = given }
            }
            guard reason.utf8.count <= 39, reason.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) else {
                return Self.error(.badRequest, "reason must be at most 39 printable ASCII characters")
            }
            return Self.answer(await source.perform(.risk(action: action, reason: reason)))
        }
        router.post("/api/reload") { _, _ in Self.answer(await source.perform(.reload)) }
    }

    static func answer(_ answer: ControlAnswer) -> Response {
        json(answer.body, status: HTTPResponse.Status(code: answer.status))
    }

    /// Client text shown back in a message: printable ASCII, at most 64 characters.
    static func printable(_ text: String) -> String {
        String(
            String.UnicodeScalarView(text.unicodeScalars.prefix(64).map { $0.isASCII && $0.value >= 0x20 ? $0 : "?" }))
    }

    /// What JSONDecoder disliked, in a few words.
    static func decodingProblem(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, _): "missing \(key.stringValue)"
        case .typeMismatch(_, let c), .valueNotFound(_, let c):
            "\(c.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
        case .dataCorrupted: "not JSON"
        default: "not readable"
        }
    }
}

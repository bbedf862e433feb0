import HTTPTypes
import Hummingbird

extension SpotAPI {
    /// Charges a request's weight, first starting any armed `rest-429` storm in the rate
    /// limiter; logs the storm's refusals.
    func charge(_ endpoint: SpotEndpoint, _ parameters: RequestParameters, ip: String, now: Int64) async
        -> RateLimiter.Charge
    {
        if let storm = faults.takeRESTStorm() {
            await limiter.beginStorm(count: storm.count, retryAfter: storm.retryAfter)
            faults.record(
                FaultSpec.Kind.rest429.rawValue, faultId: storm.faultId, connection: nil, action: "storm-started",
                "the next \(storm.count) REST request(s) get 429 with Retry-After \(storm.retryAfter) s",
                fields: ["count": .int(Int64(storm.count)), "retryAfter": .int(Int64(storm.retryAfter))])
        }
        let charge = await limiter.charge(ip: ip, weight: endpoint.weight(parameters), now: now)
        if let fault = charge.fault, let refusal = charge.refusal {
            faults.record(
                FaultSpec.Kind.rest429.rawValue, faultId: nil, connection: nil, action: fault,
                "answered \(refusal.status.code) to \(endpoint.method) \(endpoint.path) from \(ip), "
                    + "Retry-After \(refusal.retryAfter ?? 0) s",
                fields: [
                    "status": .int(Int64(refusal.status.code)), "retryAfter": .int(Int64(refusal.retryAfter ?? 0)),
                    "path": .string(endpoint.path),
                ])
        }
        return charge
    }

    /// Whether an endpoint places or cancels orders (the ones `order-5xx` and `ack-delay` act on).
    static func isOrderEntry(_ endpoint: SpotEndpoint) -> Bool {
        (endpoint.method == .post || endpoint.method == .delete)
            && ["/api/v3/order", "/api/v3/openOrders", "/fapi/v1/order", "/fapi/v1/allOpenOrders"]
                .contains(endpoint.path)
    }

    /// For an executed order request: waits out an armed `ack-delay`, and replaces the answer
    /// with 503 / -1007 under an armed `order-5xx` (the order stands: the client must query).
    func applyOrderFaults(_ endpoint: SpotEndpoint, _ answer: SpotAnswer, to response: inout Response) async {
        guard Self.isOrderEntry(endpoint) else { return }
        let request = FaultRegistry.OrderRequest(
            name: "\(endpoint.method) \(endpoint.path)", path: endpoint.path, connection: nil,
            orderId: Self.member("orderId", of: answer.body))
        let applied = faults.takeOrderFaults(for: request)
        if let millis = applied.delayMillis { try? await Task.sleep(for: .milliseconds(millis)) }
        if applied.unknownStatus { response = Self.response(RESTError.backendTimeout) }
    }

    /// A top-level member of a JSON object.
    static func member(_ name: String, of value: JSONValue) -> JSONValue? {
        guard case .object(let members) = value else { return nil }
        return members.first { $0.0 == name }?.1
    }
}

extension RESTError {
    /// -1007 (503): the backend timed out; the request's outcome is unknown to the client.
    static let backendTimeout = RESTError(
        status: .serviceUnavailable, code: -1007,
        msg: "Timeout waiting for response from backend server. Send status unknown; execution status unknown.")
}

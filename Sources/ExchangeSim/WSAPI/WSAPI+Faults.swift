extension WSAPI {
    /// The answer to a request whose REST endpoint succeeded. For the order-changing methods
    /// (`order.place`, `order.cancel`, `openOrders.cancelAll`) it takes the `order-5xx` and
    /// `ack-delay` faults armed for the connection or globally, as REST does: the order was
    /// executed and its user data events are already queued, but the answer becomes
    /// 503 / -1007 and/or is held back `ms`.
    func applyOrderFaults(
        _ endpoint: SpotEndpoint, _ call: Call, _ answer: SpotAnswer, limits: [JSONValue], faultConnection: Int?
    ) -> Reply {
        guard SpotAPI.isOrderEntry(endpoint) else { return .now(call.success(answer.body, limits: limits)) }
        let request = FaultRegistry.OrderRequest(
            name: call.request.method, path: endpoint.path, connection: faultConnection,
            orderId: SpotAPI.member("orderId", of: answer.body))
        let applied = spot.faults.takeOrderFaults(for: request)
        let text =
            applied.unknownStatus
            ? call.failure(.backendTimeout, limits: limits) : call.success(answer.body, limits: limits)
        guard let millis = applied.delayMillis else { return .now(text) }
        return .after(millis: millis, text)
    }
}

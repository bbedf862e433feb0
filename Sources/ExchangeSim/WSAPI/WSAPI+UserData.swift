import EngineModel

extension WSAPI {
    /// The weight of the user data stream methods (Binance: 2).
    static let subscriptionWeight = 2

    /// `userDataStream.subscribe.signature`: authenticates `apiKey`/`timestamp`/`signature`
    /// and subscribes this connection to the key's account; the answer
    /// `{"subscriptionId":N}` is queued before the subscription's first event. -2035 when the
    /// account already has a subscription on this connection.
    func subscribe(_ call: inout Call, connection: Int) async -> String? {
        guard let used = await charge(Self.subscriptionWeight, &call) else { return call.refusal }
        let limits = [weightLimit(used)]
        let credential: APICredential
        do throws(RESTError) {
            credential = try authenticate(call)
            try call.restParameters.check(accepted: ["timestamp", "recvWindow"])
        } catch {
            return call.failure(error, limits: limits)
        }
        let answer = call
        let outcome = userData.subscribe(connection, account: credential.account) { subscription in
            answer.success(.object([("subscriptionId", .int(subscription))]), limits: limits)
        }
        switch outcome {
        case .success: return nil
        case .failure(let refusal): return call.failure(Self.error(refusal), limits: limits)
        }
    }

    /// `userDataStream.unsubscribe`: ends the subscription `subscriptionId`, or all of this
    /// connection's when it is absent; -2036 when there is no such subscription.
    func unsubscribe(_ call: inout Call, connection: Int) async -> String {
        guard let used = await charge(Self.subscriptionWeight, &call) else { return call.refusal! }
        let limits = [weightLimit(used)]
        let parameters = call.restParameters
        do throws(RESTError) {
            try parameters.check(accepted: ["subscriptionId"])
            let subscription = try parameters.integer("subscriptionId").map { Int($0) }
            switch userData.unsubscribe(connection, subscriptionId: subscription) {
            case .success: return call.success(.object([]), limits: limits)
            case .failure(let refusal): throw Self.error(refusal)
            }
        } catch {
            return call.failure(error, limits: limits)
        }
    }

    /// `session.subscriptions`: the connection's active subscriptions.
    func listSubscriptions(_ call: inout Call, connection: Int) async -> String {
        guard let used = await charge(Self.subscriptionWeight, &call) else { return call.refusal! }
        let ids = userData.subscriptions(connection)
        return call.success(.array(ids.map { .object([("subscriptionId", .int($0))]) }), limits: [weightLimit(used)])
    }

    /// Binance's error for a refused subscription change.
    static func error(_ refusal: UserDataHub.SubscriptionRefusal) -> RESTError {
        switch refusal {
        case .alreadyActive: RESTError(code: -2035, msg: "User Data Stream subscription already active.")
        case .notActive, .disconnected: RESTError(code: -2036, msg: "User Data Stream subscription not active.")
        case .tooMany: RESTError(code: -2042, msg: "Maximum subscription ID reached for this connection.")
        }
    }
}

import EngineModel

extension FuturesAPI {
    /// The listen-key endpoints (USER_STREAM: `X-MBX-APIKEY` header, no signature): `POST`
    /// starts (or returns the live) key of the caller's account, `PUT` extends it 60 minutes on
    /// the futures clock, `DELETE` closes it; -1125 for a key that is not live.
    func listenKeyEndpoints() -> [SpotEndpoint] {
        let path = "/fapi/v1/listenKey"
        return [
            SpotEndpoint(.post, path, .apiKey, weight: { _ in 1 }) {
                (call: SpotCall) async throws(RESTError) -> SpotAnswer in
                let now = await call.venue.futuresNow(call.now)
                let key = call.venue.listenKeys.start(account: call.account, now: now)
                return SpotAnswer(.object([("listenKey", .string(key))]))
            },
            SpotEndpoint(.put, path, .apiKey, accepts: ["listenKey"], weight: { _ in 1 }) {
                (call: SpotCall) async throws(RESTError) -> SpotAnswer in
                let now = await call.venue.futuresNow(call.now)
                do throws(ListenKeyHub.Refusal) {
                    let key = try call.venue.listenKeys.keepAlive(
                        account: call.account, key: call.parameters["listenKey"], now: now)
                    return SpotAnswer(.object([("listenKey", .string(key))]))
                } catch {
                    throw .unknownListenKey
                }
            },
            SpotEndpoint(.delete, path, .apiKey, accepts: ["listenKey"], weight: { _ in 1 }) {
                (call: SpotCall) async throws(RESTError) -> SpotAnswer in
                let now = await call.venue.futuresNow(call.now)
                do throws(ListenKeyHub.Refusal) {
                    try call.venue.listenKeys.close(account: call.account, key: call.parameters["listenKey"], now: now)
                    return SpotAnswer(.object([]))
                } catch {
                    throw .unknownListenKey
                }
            },
        ]
    }
}

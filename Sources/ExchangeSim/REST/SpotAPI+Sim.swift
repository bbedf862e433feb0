import EngineModel
import Matching

extension SpotAPI {
    /// The simulator's own SIGNED endpoints under `/sim/v1/` (no Binance counterpart), for
    /// tests and tools driving the venue from outside the process: crediting the caller's
    /// account (a deposit, which Binance reports as `balanceUpdate`) and pausing the
    /// background liquidity so books only move on client orders.
    func simEndpoints() -> [SpotEndpoint] {
        [
            SpotEndpoint(.post, "/sim/v1/deposit", .signed, accepts: ["asset", "amount"], weight: { _ in 1 }) {
                (call: SpotCall) async throws(RESTError) -> SpotAnswer in
                let asset = try call.parameters.required("asset")
                guard asset.count <= 20, asset.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) }) else {
                    throw .illegalCharacters("asset", "^[A-Z0-9]{1,20}$")
                }
                guard let amount = try call.parameters.decimal("amount"), amount.mantissa > 0 else {
                    throw .mandatory("amount")
                }
                do throws(VenueError) {
                    try await call.venue.deposit(account: call.account, asset: asset, amount: amount, now: call.now)
                } catch {
                    throw RESTError(error)
                }
                return SpotAnswer(.object([("asset", .string(asset)), ("amount", SpotJSON.decimal(amount))]))
            },
            SpotEndpoint(.post, "/sim/v1/participants", .signed, accepts: ["paused"], weight: { _ in 1 }) {
                (call: SpotCall) async throws(RESTError) -> SpotAnswer in
                let paused = try call.parameters.required("paused")
                guard paused == "true" || paused == "false" else {
                    throw .illegalCharacters("paused", "^(true|false)$")
                }
                await call.venue.setParticipantsPaused(paused == "true")
                return SpotAnswer(.object([("paused", .bool(paused == "true"))]))
            },
        ]
    }
}

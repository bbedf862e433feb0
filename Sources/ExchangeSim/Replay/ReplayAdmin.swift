import Hummingbird

/// `GET /admin/replay`: the replay's state (`waiting`, `running`, `finished`, or `off` when
/// the server replays nothing), pace, files, frames played, messages sent, the recorded time
/// reached and the replayed (shadow-mode) symbols. Not a Binance endpoint: no weight, no key.
struct ReplayAdmin: Sendable {
    /// The replay's progress; nil when nothing is replayed.
    let status: ReplayStatus?

    /// Adds the route to `router`.
    func register(on router: Router<SpotRequestContext>) {
        let status = self.status
        router.get("/admin/replay") { _, _ -> Response in
            let body = status?.json() ?? .object([("state", .string("off"))])
            return SpotAPI.response(body, status: .ok)
        }
    }
}

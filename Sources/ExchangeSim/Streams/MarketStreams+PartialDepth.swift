import Foundation

extension MarketStreams {
    /// Every 100 ms, sends each partial-book stream the connection subscribes to whose
    /// interval ends then (`@100ms` every tick, the others every tenth): the top `levels` of
    /// the symbol's book, `{"lastUpdateId":…,"bids":[…],"asks":[…]}`, through the connection's
    /// queue (so faults and ordering apply as to any other message).
    func sendPartialDepth(hubId: Int, combined: Bool, subscriptions: Subscriptions) async {
        guard let depth else { return }
        let start = ContinuousClock.now
        var tick = 0
        while !Task.isCancelled {
            tick += 1
            do {
                try await Task.sleep(until: start + .milliseconds(tick * StreamHub.tickMillis), clock: .continuous)
            } catch {
                return
            }
            for stream in subscriptions.partialDepth {
                guard case .partialDepth(let levels, let interval) = stream.kind,
                    (tick * StreamHub.tickMillis) % interval == 0,
                    let snapshot = await depth(stream.symbol, levels)
                else { continue }
                let data = StreamJSON.partialDepth(snapshot).serialized()
                let text =
                    combined
                    ? "{\"stream\":" + JSONValue.string(stream.name).serialized() + ",\"data\":" + data + "}" : data
                hub.send(hubId, text)
            }
        }
    }
}

import Account
import EngineModel
import Testing

@Suite struct AccountBroadcasterTests {
    typealias F = BookFixture

    /// A balance, a BTC position, a BTC fill, an ETH fill and the PnL.
    static func changes() -> [AccountChange] {
        let balance = BalanceEntry(
            asset: "USDT", total: F.amount("10"), available: F.amount("10"), source: .stream, updatedNs: 1)
        let position = PositionEntry(key: F.btc, market: .spot, size: SignedSize(.buy, F.quantity("0.001")))
        return [
            .balance(balance), .position(position), .fill(F.fill(1, .buy, "0.001", at: "64000")),
            .fill(F.fill(2, .buy, "0.1", at: "3000", symbol: "ETHUSDT")), .pnl(PnLSummary()),
        ]
    }

    static func drain(_ subscription: AccountSubscription) -> [AccountBroadcast] {
        var received: [AccountBroadcast] = []
        while let broadcast = subscription.poll() { received.append(broadcast) }
        return received
    }

    @Test func topicAndSymbolFilters() {
        let broadcaster = AccountBroadcaster()
        let fills = broadcaster.subscribe(topics: ["order.fill"])
        let eth = broadcaster.subscribe(symbols: ["ETHUSDT"])
        let all = broadcaster.subscribe()
        broadcaster.publish(Self.changes(), version: 7)
        #expect(Self.drain(fills).map(\.symbol) == ["BTCUSDT", "ETHUSDT"])
        #expect(Self.drain(eth).map(\.topic) == ["balance.update", "order.fill", "pnl.update"])
        let everything = Self.drain(all)
        #expect(
            everything.map(\.topic) == ["balance.update", "position.update", "order.fill", "order.fill", "pnl.update"])
        #expect(everything.allSatisfy { $0.version == 7 })
        broadcaster.heartbeat(version: 7, ns: 99)
        #expect(all.poll()?.change == .heartbeat(ns: 99) && fills.poll() == nil)
    }

    @Test func slowSubscriberDroppedWhileFastOneGetsEverything() {
        let broadcaster = AccountBroadcaster()
        let slow = broadcaster.subscribe(capacity: 8)
        let fast = broadcaster.subscribe(capacity: 8)
        var received: [UInt64] = []
        for version in 1...100 as ClosedRange<UInt64> {
            broadcaster.publish([.heartbeat(ns: Int64(version))], version: version)
            received += Self.drain(fast).map(\.version)
        }
        #expect(received == Array(1...100))
        #expect(slow.status == .dropped && slow.poll() == nil)
        #expect(fast.status == .active)
        #expect(broadcaster.backpressureDrops == 1 && broadcaster.subscriberCount == 1)
    }

    @Test func nextWaitsAndEndsOnCancel() async {
        let broadcaster = AccountBroadcaster()
        let subscription = broadcaster.subscribe()
        async let first = subscription.next()
        // Publish until one is queued: the first went to the waiting consumer, or it was not waiting yet.
        repeat {
            broadcaster.publish([.heartbeat(ns: 1)], version: 1)
            await Task.yield()
        } while subscription.pending == 0
        #expect(await first?.version == 1)
        subscription.cancel()
        #expect(subscription.status == .cancelled)
        #expect(await subscription.next() == nil)
        broadcaster.publish([.heartbeat(ns: 2)], version: 2)
        #expect(broadcaster.subscriberCount == 0 && broadcaster.backpressureDrops == 0)
    }

    @Test func cancellingTheWaitingTaskEndsNext() async {
        let broadcaster = AccountBroadcaster()
        let subscription = broadcaster.subscribe()
        let waiting = Task { await subscription.next() }
        waiting.cancel()
        #expect(await waiting.value == nil)
        #expect(subscription.status == .active)
        broadcaster.publish([.heartbeat(ns: 3)], version: 3)
        #expect(subscription.poll()?.version == 3)
    }
}

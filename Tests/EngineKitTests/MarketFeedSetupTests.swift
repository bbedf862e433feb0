import EngineKit
import Foundation
import Testing

/// `MarketFeed` refuses a bad configuration with the C side's own reason (`tw_error_message()` set by
/// `tw_feed_create` for each cause), not a bare "invalid feed configuration".
@Suite struct MarketFeedSetupTests {
    private func refusal(_ edit: (inout MarketFeedConfig) -> Void) throws -> String {
        let name = uniqueInstance("feedcfg")
        let instance = try EngineInstance.create(InstanceConfig(instance: name, instruments: [try btc(), try eth()]))
        defer { instance.shutdown(keepSegments: false) }
        var config = MarketFeedConfig(host: "127.0.0.1", port: 9)
        edit(&config)
        do {
            _ = try MarketFeed(instance: instance, config: config, instruments: [0, 1])
            Issue.record("the feed accepted a bad configuration")
            return ""
        } catch {
            guard case .invalidConfig(let message) = error else { Issue.record("got \(error)"); return "" }
            return message
        }
    }

    @Test func eachCauseIsNamed() throws {
        #expect(try refusal { $0.depthIntervalMillis = 250 }.contains("depth interval 250 ms"))
        #expect(try refusal { $0.path = "stream" }.contains("path 'stream'"))
        #expect(try refusal { $0.reconnectBaseMillis = 5000; $0.reconnectMaxMillis = 10 }.contains("reconnect backoff"))
        #expect(try refusal { $0.core = 1_000_000 }.contains("cpu 1000000"))
        #expect(
            try refusal {
                $0.host = "10.1.2.3"
                $0.tls = true
                $0.verify = false
            }.contains("loopback"))
    }
}

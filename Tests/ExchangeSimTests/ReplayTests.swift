import ExchangeSim
import Foundation
import Testing

@Suite("Replay of recorded data")
struct ReplayTests {
    /// A recording, the endpoint prefix its market is served under, and its stream frames as
    /// the test reads them.
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let files: [String]
        let prefix: String
        var testDescription: String { name }
    }

    static let cases = [
        Case(name: "hftbacktest spot", files: [ReplayData.hftbacktest], prefix: ""),
        Case(name: "cryptofeed spot", files: ReplayData.cryptofeedSpot, prefix: ""),
        Case(name: "cryptofeed USD-M", files: ReplayData.cryptofeedFutures, prefix: "/fstream"),
    ]

    @Test("Every recorded frame is streamed byte for byte, in order, raw and combined", arguments: cases)
    func byteForByte(_ recording: Case) async throws {
        let frames = try recording.files.flatMap(ReplayData.frames)
        let streams = frames.reduce(into: [String]()) { names, frame in
            if !names.contains(frame.stream) { names.append(frame.stream) }
        }
        let rawStream = try #require(frames.first?.stream)
        let configuration = try ReplayServer.configuration(recording.files, speed: .max)
        // Combined: every recorded stream, each frame as its recorded envelope.
        try await ReplayServer.with(configuration) { server in
            let waiting = try await server.status()["state"] as? String == "waiting"
            #expect(waiting)
            try await server.connect("\(recording.prefix)/stream?streams=\(streams.joined(separator: "/"))") { inbox in
                let arrived2 = try await inbox.wait(for: frames.count)
                #expect(arrived2)
                let received = inbox.received
                #expect(received.count == frames.count)
                let mismatch = zip(received, frames).enumerated()
                    .first { $0.element.0 != $0.element.1.envelope }?.offset
                #expect(mismatch == nil, "first mismatch at frame \(mismatch ?? -1)")
            }
            let status = try await server.waitFor(state: "finished")
            #expect(status["messagesSent"] as? Int == frames.count)
            #expect(status["position"] as? Int == status["frames"] as? Int)
        }
        // Raw: one stream, each frame as its recorded `data` text.
        let expectedRaw = frames.filter { $0.stream == rawStream }.map(\.data)
        try await ReplayServer.with(configuration) { server in
            try await server.connect("\(recording.prefix)/ws/\(rawStream)") { inbox in
                let arrived3 = try await inbox.wait(for: expectedRaw.count)
                #expect(arrived3)
                let received = inbox.received
                #expect(received.count == expectedRaw.count)
                let mismatch = zip(received, expectedRaw).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                #expect(mismatch == nil, "first mismatch at frame \(mismatch ?? -1)")
            }
        }
    }

    @Test("A client joining first at 10× pace sees the recorded spacing scaled tenfold; max pace is much faster")
    func paces() async throws {
        let names = ["nknusdt@depth@100ms", "nknusdt@bookTicker"]
        let expected = try ReplayData.frames(ReplayData.cryptofeedSpot[1]).filter { names.contains($0.stream) }
        let recordedSpan = Double(expected.last!.time - expected.first!.time) / 1e9
        #expect(recordedSpan > 25)
        let path = "/stream?streams=" + names.joined(separator: "/")
        var spans: [Double] = []
        for speed in [ReplayConfiguration.Speed.multiplier(10), .max] {
            let configuration = try ReplayServer.configuration(ReplayData.cryptofeedSpot, speed: speed)
            let inbox = try await ReplayServer.with(configuration) { server in
                try await server.connect(path) { inbox in
                    let arrived = try await inbox.wait(for: expected.count, seconds: 10)
                    #expect(arrived, "\(speed): \(inbox.count) of \(expected.count) arrived")
                }
            }
            #expect(inbox.received == expected.map(\.envelope))
            let span = try #require(inbox.span)
            let duration = (span.last - span.first).components
            spans.append(Double(duration.seconds) + Double(duration.attoseconds) / 1e18)
        }
        // 10×: about a tenth of the recorded span (loosely: the machine is shared and noisy).
        #expect(spans[0] > recordedSpan / 10 * 0.7 && spans[0] < recordedSpan / 10 * 2, "10× took \(spans[0]) s")
        // Max pace: far faster still.
        #expect(spans[1] < spans[0] / 10, "max pace took \(spans[1]) s, 10× \(spans[0]) s")
    }

    @Test("Starting immediately does not wait for a subscriber")
    func startImmediately() async throws {
        let configuration = try ReplayServer.configuration(ReplayData.cryptofeedSpot, speed: .max, start: .immediately)
        try await ReplayServer.with(configuration) { server in
            let status = try await server.waitFor(state: "finished")
            #expect(status["state"] as? String == "finished")
            #expect(status["messagesSent"] as? Int == 0)
            let symbols = (status["symbols"] as? [[String: Any]] ?? []).compactMap { $0["symbol"] as? String }
            #expect(symbols == ["BLZETH", "LRCBTC", "NKNUSDT", "RUNEEUR"])
            // The replayed book is the recording's end state; exchangeInfo lists the symbol.
            let depth = try await server.http.send(.get, "/api/v3/depth", query: [("symbol", "NKNUSDT")]).object
            #expect(depth["lastUpdateId"] as? Int == 499_870_179)
            let info = try await server.http.send(.get, "/api/v3/exchangeInfo", query: [("symbol", "NKNUSDT")])
            #expect(info.status == 200)
        }
    }
}

import ExchangeSim
import Foundation
import Testing

/// Stream faults seen from a client: the disconnect after exactly N messages, the dropped diff
/// (a `U`/`u` gap), the truncated frame, and the stall — each with its fault log entry.
@Suite("Stream faults", .serialized, .timeLimit(.minutes(1)))
struct FaultStreamTests {
    /// The depth diffs among a socket's text frames.
    static func diffs(_ socket: RawWebSocket) -> [[String: Any]] {
        socket.texts.compactMap(\.json).filter { $0["e"] as? String == "depthUpdate" }
    }

    @Test("disconnect:after=5,next=1 closes the next connection after exactly 5 messages; the one after is untouched")
    func disconnectAfterN() async throws {
        try await SimStreams.with(movingConfiguration()) { sim in
            let armed = try await sim.http.armFault("disconnect:after=5,next=1")
            #expect(armed.status == 200, "\(armed.object)")
            let first = try await RawWebSocket(port: sim.port, path: "/ws/btcusdt@depth@100ms")
            defer { first.shutdown() }
            #expect(await first.wait(seconds: 10) { $0.closedAt != nil })
            #expect(first.texts.count == 5)
            #expect(first.texts.allSatisfy { $0.json?["e"] as? String == "depthUpdate" })
            #expect(first.frames.last { $0.opcode != 9 }?.opcode == 8, "a close frame ends it")

            let logged = try await sim.http.faultLog(action: "disconnected")
            #expect(logged.count == 1)
            #expect(int64(of: logged.first?["messages"]) == 5)
            #expect(
                int64(of: logged.first?["faultId"])
                    == int64(of: (armed.object["armed"] as? [[String: Any]])?.first?["id"]))

            let second = try await RawWebSocket(port: sim.port, path: "/ws/btcusdt@depth@100ms")
            defer { second.shutdown() }
            #expect(await second.wait(seconds: 10) { $0.texts.count >= 8 })
            #expect(second.closedAt == nil)
        }
    }

    @Test("drop-diff leaves out exactly one diff: the client sees a gap equal to the logged U..u")
    func dropDiffMakesAGap() async throws {
        try await SimStreams.with(movingConfiguration()) { sim in
            #expect(try await sim.http.armFault("drop-diff:symbol=BTCUSDT,after=3,next=1").status == 200)
            let socket = try await RawWebSocket(port: sim.port, path: "/stream?streams=btcusdt@depth@100ms")
            defer { socket.shutdown() }
            #expect(await socket.wait(seconds: 10) { $0.texts.count >= 10 })
            let diffs = socket.texts.compactMap { $0.json?["data"] as? [String: Any] }
            var gaps: [(after: Int, missing: ClosedRange<Int64>)] = []
            for index in diffs.indices.dropFirst() {
                let previous = int64(of: diffs[index - 1]["u"])
                let first = int64(of: diffs[index]["U"])
                if first != previous + 1 { gaps.append((index, (previous + 1)...(first - 1))) }
            }
            #expect(gaps.count == 1, "gaps: \(gaps)")
            #expect(gaps.first?.after == 3, "three diffs arrive before the gap")
            let logged = try await sim.http.faultLog(action: "dropped-diff")
            #expect(logged.count == 1)
            let entry = try #require(logged.first)
            #expect(entry["symbol"] as? String == "BTCUSDT")
            #expect(gaps.first?.missing == int64(of: entry["firstUpdateId"])...int64(of: entry["lastUpdateId"]))
        }
    }

    @Test("malformed from the URL sends one truncated frame after 2 messages; the real message follows")
    func malformedFrame() async throws {
        try await SimStreams.with(movingConfiguration()) { sim in
            let socket = try await RawWebSocket(port: sim.port, path: "/ws/btcusdt@depth@100ms?fault=malformed:after=2")
            defer { socket.shutdown() }
            #expect(await socket.wait(seconds: 10) { $0.texts.count >= 5 })
            let texts = socket.texts
            #expect(texts.map { $0.json == nil } == [false, false, true, false, false])
            #expect(texts[3].text.hasPrefix(texts[2].text) && texts[2].text.count < texts[3].text.count)
            let logged = try await sim.http.faultLog(action: "malformed-frame")
            #expect(logged.first?["frame"] as? String == texts[2].text)
        }
    }

    @Test("stall:ms=800 sends nothing, pings included, then resumes with what was queued")
    func timedStall() async throws {
        var configuration = movingConfiguration()
        configuration.pingIntervalMillis = 100
        try await SimStreams.with(configuration) { sim in
            #expect(try await sim.http.armFault("stall:after=2,ms=800,next=1").status == 200)
            let socket = try await RawWebSocket(port: sim.port, path: "/ws/btcusdt@depth@100ms")
            defer { socket.shutdown() }
            #expect(await socket.wait(seconds: 10) { $0.texts.count >= 6 })
            try await Task.sleep(for: .milliseconds(400))
            let frames = socket.frames
            let texts = frames.filter { $0.opcode == 1 }
            let second = try #require(frames.firstIndex { $0 === texts[1] })
            let third = try #require(frames.firstIndex { $0 === texts[2] })
            let silence = frames[third].at - frames[second].at
            #expect(silence >= .milliseconds(750), "silence \(silence)")
            #expect(frames[(second + 1)..<third].allSatisfy { $0.opcode != 9 }, "no pings while stalled")
            #expect(frames[third...].contains { $0.opcode == 9 }, "pings resume")
            #expect(socket.closedAt == nil)
            #expect(try await sim.http.faultLog(action: "stall-started").count == 1)
            #expect(try await sim.http.faultLog(action: "stall-ended").count == 1)
        }
    }

    @Test("A stall armed on an open connection by id lasts until DELETE /admin/faults")
    func stallUntilCleared() async throws {
        try await SimStreams.with(movingConfiguration()) { sim in
            let socket = try await RawWebSocket(port: sim.port, path: "/ws/btcusdt@depth@100ms")
            defer { socket.shutdown() }
            #expect(await socket.wait(seconds: 5) { $0.texts.count >= 2 })
            let connections = try await sim.http.openConnections()
            #expect(connections.count == 1 && connections.first?["path"] as? String == "/ws/btcusdt@depth@100ms")
            let id = int64(of: connections.first?["id"])
            #expect(try await sim.http.armFault("stall:conn=\(id)").status == 200)
            #expect(try await sim.http.armFault("stall:conn=999").status == 400)
            try await Task.sleep(for: .milliseconds(300))
            let before = socket.texts.count
            try await Task.sleep(for: .milliseconds(1000))
            #expect(socket.texts.count == before, "silent while stalled")
            #expect(try await sim.http.send(.delete, "/admin/faults").status == 200)
            #expect(await socket.wait(seconds: 5) { $0.texts.count >= before + 3 })
            let ended = try await sim.http.faultLog(action: "stall-ended")
            #expect(int64(of: ended.first?["connection"]) == id)
        }
    }
}

extension RawWebSocket.Frame {
    /// The same frame (same arrival instant and bytes).
    static func === (lhs: Self, rhs: Self) -> Bool { lhs.at == rhs.at && lhs.payload == rhs.payload }
}

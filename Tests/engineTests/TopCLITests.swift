import Foundation
import Synchronization
import Testing
import TickwireTestSupport

/// `engine top` as an operator meets it: in a real pseudo-terminal against a running engine on
/// the default venue — the book drawn, views switched by keys, the kill switch thrown and released,
/// the terminal given back on `q`; and `--once` and its refusals for scripts.
@Suite(.serialized) struct TopCLITests {
    let dir = Harness.shmDir()
    var env: [String: String] { Harness.environment(dir) }

    func startEngine(_ instance: String) throws -> Harness.Child {
        let engine = try Harness.Child(
            Harness.engine, ["start", "--instance", instance, "--symbols", "BTCUSDT", "--duration", "120"], env: env)
        #expect(
            Harness.eventually(seconds: 30) {
                guard let r = try? Harness.run(Harness.engine, ["status", "--instance", instance, "--json"], env: env),
                    r.status == 0,
                    let o = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
                else { return false }
                return (o["instruments"] as? [[String: Any]])?.first?["state"] as? String == "live"
            }, "no live book: \(engine.stderr)")
        return engine
    }

    /// Text without the escape sequences that draw it.
    static func plain(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        return text.replacingOccurrences(of: "\u{1b}\\[[0-9;?]*[A-Za-z]", with: "", options: .regularExpression)
            .replacingOccurrences(of: "\r", with: "")
    }

    func riskState(_ instance: String) -> String? {
        guard let r = try? Harness.run(Harness.engine, ["risk", "status", "--instance", instance, "--json"], env: env),
            let o = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        else { return nil }
        return o["state"] as? String
    }

    @Test func inAPseudoTerminalItDrawsTheBookSwitchesViewsAndThrowsTheKillSwitch() throws {
        let instance = "top\(getpid() % 10000)"
        let engine = try startEngine(instance)
        defer {
            engine.signal(SIGTERM)
            engine.wait(seconds: 15)
        }
        var pair: (master: Int32, slave: Int32) = (-1, -1)
        var size = winsize(ws_row: 40, ws_col: 120, ws_xpixel: 0, ws_ypixel: 0)
        try #require(openpty(&pair.master, &pair.slave, nil, nil, &size) == 0)
        let (master, slave) = pair
        defer { close(master) }
        let top = Process()
        top.executableURL = URL(fileURLWithPath: Harness.engine)
        top.arguments = ["top", "--instance", instance]
        top.environment = env
        let terminal = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        top.standardInput = terminal
        top.standardOutput = terminal
        top.standardError = terminal
        try top.run()
        close(slave)
        let output = Mutex<[UInt8]>([])
        let reader = Thread {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(master, &buffer, buffer.count)
                if n <= 0 { return }
                output.withLock { $0 += buffer[..<n] }
            }
        }
        reader.start()
        func screen() -> String { Self.plain(output.withLock { $0 }) }
        func key(_ text: String) {
            _ = text.utf8CString.withUnsafeBufferPointer { write(master, $0.baseAddress, text.utf8.count) }
        }
        func lastFrame() -> String { screen().components(separatedBy: "tickwire \(instance)").last ?? "" }

        // The book: a row of bid qty, bid, ask, ask qty with bid < ask.
        var row: [Decimal] = []
        #expect(
            Harness.eventually(seconds: 15) {
                let frame = lastFrame()
                guard frame.contains("BTCUSDT") && frame.contains("state live") else { return false }
                for line in frame.split(separator: "\n") {
                    let numbers = line.split(separator: " ").prefix(4).compactMap { Decimal(string: String($0)) }
                    if numbers.count == 4 {
                        row = numbers
                        return true
                    }
                }
                return false
            }, "screen: \(screen().suffix(2000))")
        #expect(row.count == 4 && row[1] < row[2], "bid/ask row: \(row)")

        // Views by key.
        key("5")
        #expect(
            Harness.eventually(seconds: 10) { lastFrame().contains("BBO_CHECKS/MISMATCHES") },
            "\(screen().suffix(1500))")
        key("4")
        #expect(
            Harness.eventually(seconds: 10) {
                lastFrame().contains("HISTOGRAM (ns)") && lastFrame().contains("feed_wire_ns")
            })

        // The kill switch: asked, then thrown; then released.
        key("h")
        #expect(Harness.eventually(seconds: 10) { lastFrame().contains("halt: cancel every open order") })
        key("y")
        #expect(Harness.eventually(seconds: 15) { riskState(instance) == "halted" }, "\(screen().suffix(1500))")
        #expect(Harness.eventually(seconds: 10) { lastFrame().contains("kill switch halted") })
        key("r")
        #expect(Harness.eventually(seconds: 15) { riskState(instance) == "active" }, "\(screen().suffix(1500))")

        // q: exits 0 and gives the terminal back (leaves the alternate screen, shows the cursor).
        key("q")
        #expect(Harness.eventually(seconds: 10) { !top.isRunning })
        if top.isRunning { top.terminate() }
        top.waitUntilExit()
        #expect(top.terminationStatus == 0)
        _ = Harness.eventually(seconds: 5) { reader.isFinished }
        let raw = String(decoding: output.withLock { $0 }, as: UTF8.self)
        #expect(raw.hasSuffix("\u{1b}[?25h\u{1b}[?1049l"), "ends: \(Array(raw.utf8.suffix(24)))")
    }

    @Test func onceForScriptsAndClearRefusals() throws {
        let instance = "top1\(getpid() % 10000)"
        let none = try Harness.run(Harness.engine, ["top", "--instance", "nothere", "--once"], env: env)
        #expect(none.status == 1 && none.stderr.contains("no engine running on instance 'nothere'"), "\(none.stderr)")
        let interval = try Harness.run(Harness.engine, ["top", "--interval-ms", "5"], env: env)
        #expect(
            interval.status != 0 && interval.stderr.contains("--interval-ms must be from 20 to 10000"),
            "\(interval.stderr)")
        let view = try Harness.run(Harness.engine, ["top", "--view", "charts"], env: env)
        #expect(
            view.status != 0 && view.stderr.contains("--view must be one of books, orders, positions, latency, feeds"))
        let engine = try startEngine(instance)
        defer {
            engine.signal(SIGTERM)
            engine.wait(seconds: 15)
        }
        let notTTY = try Harness.run(Harness.engine, ["top", "--instance", instance], env: env)
        #expect(notTTY.status == 2 && notTTY.stderr.contains("engine top needs a terminal"), "\(notTTY.stderr)")
        let once = try Harness.run(
            Harness.engine, ["top", "--instance", instance, "--once", "--view", "feeds"], env: env)
        #expect(once.status == 0, "\(once.stderr)")
        #expect(
            once.stdout.contains("BTCUSDT") && once.stdout.contains("live") && !once.stdout.contains("\u{1b}["),
            "\(once.stdout)")
    }
}

import Foundation
import Testing
import TickwireTestSupport

/// `engine start`'s control-plane flags as an operator meets them: an address beyond loopback
/// needs a token file, a bad address or a token file others can read is one clear line, a port
/// already taken stops the start before it trades, `--no-control` runs without one.
@Suite(.serialized) struct ControlCLITests {
    let dir = Harness.shmDir()
    var env: [String: String] { Harness.environment(dir) }

    func file(_ text: String, mode: mode_t) throws -> String {
        let path = dir + "/token-\(UInt32.random(in: 0...UInt32.max))"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, mode)
        return path
    }

    @Test func badControlFlagsAreOneClearLine() throws {
        let open = try file("0123456789abcdef0123\n", mode: 0o644)
        let short = try file("abc\n", mode: 0o600)
        let cases: [([String], String)] = [
            (["--control", "0.0.0.0:8780"], "listens beyond this machine: give --control-token-file"),
            (["--control", "nonsense"], "--control must be HOST:PORT"),
            (["--control", "127.0.0.1:70000"], "--control must be HOST:PORT"),
            (["--no-control", "--control", "127.0.0.1:1"], "--no-control takes no --control"),
            (["--control-token-file", open], "is readable by others (chmod 600 it)"),
            (["--control-token-file", short], "must hold one token of at least 16 printable characters"),
            (["--control-token-file", dir + "/missing"], "No such file"),
        ]
        for (flags, message) in cases {
            let r = try Harness.run(
                Harness.engine, ["start", "--instance", "cflags", "--duration", "1"] + flags, env: env)
            #expect(r.status == 2, "\(flags): \(r.stderr)")
            #expect(r.stderr.contains(message), "\(flags): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "one line: \(r.stderr)")
            #expect(!Harness.segmentExists(dir, "cflags", "md"))
        }
    }

    @Test func aTakenPortStopsTheStartAndNoControlRunsWithout() throws {
        // Hold a port.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { p in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { a in
                try #require(bind(fd, a, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, a, &length) == 0)
            }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let taken = try Harness.run(
            Harness.engine,
            [
                "start", "--instance", "ctaken", "--symbols", "BTCUSDT", "--control", "127.0.0.1:\(port)", "--duration",
                "30",
            ],
            env: env, timeout: 60)
        #expect(taken.status == 1, "\(taken.stdout) \(taken.stderr)")
        #expect(taken.stderr.contains("the control plane cannot listen on 127.0.0.1:\(port)"), "\(taken.stderr)")
        #expect(!Harness.segmentExists(dir, "ctaken", "md"), "segments left behind")

        let none = try Harness.run(
            Harness.engine,
            ["start", "--instance", "cnone", "--symbols", "BTCUSDT", "--no-control", "--duration", "2"], env: env,
            timeout: 60)
        #expect(none.status == 0, "\(none.stderr)")
        #expect(!none.stdout.contains("control plane"), "\(none.stdout)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/cnone.control.json"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/cnone.control-token"))
    }
}

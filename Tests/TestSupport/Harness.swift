import Foundation

/// Paths and process helpers for tests that run the real `engine` binary and external readers.
public enum Harness {
    /// The repository root, found from this file.
    public static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The directory holding the built products (beside the test bundle).
    public static let productsDir: URL = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        while dir.path != "/" && !FileManager.default.fileExists(atPath: dir.appendingPathComponent("engine").path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir
    }()

    public static var engine: String { productsDir.appendingPathComponent("engine").path }

    /// A fresh segment directory for one test, passed to children through the environment.
    public static func shmDir() -> String {
        var template = Array((NSTemporaryDirectory() + "tickwire-it-XXXXXX").utf8CString)
        return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    /// Environment for children: the parent's plus the segment directory.
    public static func environment(_ shmDir: String) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["TICKWIRE_SHM_DIR"] = shmDir
        // The recorder beside the segments: each test its own, and a restarted engine finds it.
        env["TICKWIRE_STATE_DIR"] = shmDir
        // Engines side by side: each control plane on a port of its own (said in <state>/<instance>.control.json).
        env["TICKWIRE_CONTROL"] = "127.0.0.1:0"
        return env
    }

    /// A started child whose output goes to files (no pipes: a pipe's end can leak into another
    /// child and keep EOF from ever arriving).
    public final class Child: @unchecked Sendable {
        public let process = Process()
        private let outPath: String, errPath: String

        public init(_ executable: String, _ arguments: [String], env: [String: String]) throws {
            let base = NSTemporaryDirectory() + "tickwire-child-\(UInt64.random(in: 0...UInt64.max))"
            outPath = base + ".out"
            errPath = base + ".err"
            FileManager.default.createFile(atPath: outPath, contents: nil)
            FileManager.default.createFile(atPath: errPath, contents: nil)
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.environment = env
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle(forWritingAtPath: outPath)
            process.standardError = FileHandle(forWritingAtPath: errPath)
            try process.run()
        }

        deinit {
            if process.isRunning { process.terminate() }
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }

        public var stdout: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }
        public var stderr: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }

        /// Waits up to `seconds`; then SIGTERM, and SIGKILL two seconds later. Returns the exit status.
        @discardableResult
        public func wait(seconds: Double) -> Int32 {
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning {
                process.terminate()
                let grace = Date().addingTimeInterval(2)
                while process.isRunning && Date() < grace { usleep(10_000) }
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            }
            process.waitUntilExit()
            return process.terminationStatus
        }

        public func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }
    }

    /// Runs a command to completion (bounded) and returns status, stdout, stderr.
    public static func run(_ executable: String, _ arguments: [String], env: [String: String], timeout: Double = 60)
        throws -> (status: Int32, stdout: String, stderr: String)
    {
        let child = try Child(executable, arguments, env: env)
        let status = child.wait(seconds: timeout)
        return (status, child.stdout, child.stderr)
    }

    /// Polls until the condition holds or the timeout passes.
    public static func eventually(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    /// Parses JSON lines, skipping blank ones.
    public static func jsonLines(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    public static func segmentExists(_ dir: String, _ instance: String, _ kind: String) -> Bool {
        FileManager.default.fileExists(atPath: "\(dir)/tickwire.\(instance).\(kind)")
    }
}

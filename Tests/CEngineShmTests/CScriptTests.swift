import Foundation
import Testing

/// The C test suites, each a script that compiles its tests from `.c`, runs them, prints one line per item and
/// a closing `<prefix> N passed, M failed` line, and exits non-zero when any fails. Serialized: both spin and
/// fuzz on a 2-core machine. A failure carries the
/// script's whole output.
@Suite(.serialized) struct CScriptTests {
    /// The repository root: this file is `<root>/Tests/CEngineShmTests/CScriptTests.swift`.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Shared-memory ABI: torn reads, laps, command ring across threads and processes, PROT_READ mappings,
    /// histograms; each test optimised with -Werror and again under ThreadSanitizer.
    @Test(.timeLimit(.minutes(8)))
    func cStressAndSanitizerTestsPass() throws {
        try runSuite("Tests/CStress/run.sh", summaryPrefix: "C stress: ")
    }

    /// Market-data building blocks in `CSources/CEngineCore`: WebSocket codec, JSON scanner and Binance
    /// decoders, feed book and sync (optimised and under ASan+UBSan), golden replays of recorded Binance data
    /// against the bookTicker oracle, the in-memory throughput bench, the order gateway (unit, loopback
    /// end to end), setup errors, bounded libFuzzer runs (seven targets at CFEED_FUZZ_TIME s each).
    @Test(.timeLimit(.minutes(12)))
    func cFeedTestsPass() throws {
        try runSuite("Tests/CFeed/run.sh", summaryPrefix: "C feed: ")
    }

    /// The reference readers' own tests (Tools/readers/tests, Python's unittest): hostile segments refused,
    /// the account snapshot read field by field, the C and Python readers printing the same JSON, an
    /// external command producer. Segments go to a directory of their own.
    @Test(.timeLimit(.minutes(3)))
    func referenceReaderTestsPass() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-readers-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let (ok, output) = try Self.run(
            ["python3", "-m", "unittest", "discover", "-s", "Tools/readers/tests"], environment: ["TICKWIRE_SHM_DIR": dir.path])
        #expect(ok, "unittest failed:\n\(output)")
        #expect(output.contains("\nOK") && !output.contains("Ran 0 tests"), "\(output)")
    }

    private func runSuite(_ relativePath: String, summaryPrefix: String) throws {
        let script = Self.root.appendingPathComponent(relativePath)
        #expect(FileManager.default.fileExists(atPath: script.path), "missing \(script.path)")
        let (ok, output) = try Self.run(["bash", script.path])
        #expect(ok, "\(relativePath) failed:\n\(output)")
        let summary = output.split(separator: "\n").last { $0.hasPrefix(summaryPrefix) }.map(String.init) ?? ""
        #expect(summary.hasSuffix(" passed, 0 failed") && !summary.hasPrefix(summaryPrefix + "0 passed"),
                "unexpected summary line '\(summary)'")
    }

    /// Runs a command from the repository root through /usr/bin/env: whether it exited 0, and its output
    /// (stdout and stderr together, read to the end before waiting so a full pipe cannot stall it).
    private static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (Bool, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = root
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationReason == .exit && process.terminationStatus == 0, String(decoding: data, as: UTF8.self))
    }
}

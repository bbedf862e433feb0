import Foundation
import Testing

/// Runs the C tests of the market-data building blocks in `CSources/CEngineCore` (`Tests/CFeed/run.sh`):
/// WebSocket codec, JSON scanner and Binance decoders, feed book and sync unit tests (optimised and under
/// ASan+UBSan), the golden replays of recorded Binance data against the bookTicker oracle, the in-memory
/// throughput bench, and bounded libFuzzer runs. The script exits non-zero when any item fails; its whole
/// output is attached to a failure.
@Suite struct FeedCTests {
    /// The repository root: this file is `<root>/Tests/CEngineShmTests/FeedCTests.swift`.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test(.timeLimit(.minutes(5)))
    func cFeedTestsPass() throws {
        let script = Self.root.appendingPathComponent("Tests/CFeed/run.sh")
        #expect(FileManager.default.fileExists(atPath: script.path), "missing \(script.path)")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["bash", script.path]
        process.currentDirectoryURL = Self.root
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        // Read to the end before waiting, so a full pipe cannot stall the script.
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let output = String(decoding: data, as: UTF8.self)

        #expect(
            process.terminationReason == .exit && process.terminationStatus == 0,
            "Tests/CFeed/run.sh exited with \(process.terminationStatus):\n\(output)")
        let summary = output.split(separator: "\n").last { $0.hasPrefix("C feed: ") }.map(String.init) ?? ""
        #expect(summary.hasSuffix(" passed, 0 failed") && !summary.hasPrefix("C feed: 0 passed"),
                "unexpected summary line '\(summary)'")
    }
}

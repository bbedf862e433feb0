import Foundation
import Testing

/// Runs the C stress and ThreadSanitizer tests of the shared-memory ABI (`Tests/CStress/run.sh`).
/// The script compiles each C test twice (optimised with -Werror, and with -fsanitize=thread), runs them
/// and exits non-zero when any fails; its whole output is attached to a failure.
@Suite struct CStressTests {
    /// The repository root: this file is `<root>/Tests/CEngineShmTests/CStressTests.swift`.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test(.timeLimit(.minutes(5)))
    func cStressAndSanitizerTestsPass() throws {
        let script = Self.root.appendingPathComponent("Tests/CStress/run.sh")
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
            "Tests/CStress/run.sh exited with \(process.terminationStatus):\n\(output)")
        let summary = output.split(separator: "\n").last { $0.hasPrefix("C stress: ") }.map(String.init) ?? ""
        #expect(summary.hasSuffix(" passed, 0 failed") && !summary.hasPrefix("C stress: 0 passed"),
                "unexpected summary line '\(summary)'")
    }
}

import ArgumentParser
import Foundation

@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Tickwire benchmarks; every result is printed beside a floor measured in the same run.",
        subcommands: [Latency.self, Peer.self, SimStream.self, ControlBench.self]
    )
}

/// Prints one line to standard error.
func warn(_ message: String) {
    FileHandle.standardError.write(Data(("bench: " + message + "\n").utf8))
}

/// Prints the message to standard error and exits with `code`.
func fail(_ message: String, code: Int32) -> ExitCode {
    warn(message)
    return ExitCode(code)
}

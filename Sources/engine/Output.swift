import ArgumentParser
import EngineKit
import EngineModel
import Foundation

/// Prints one line to standard error.
func warn(_ message: String) {
    FileHandle.standardError.write(Data(("engine: " + message + "\n").utf8))
}

/// Prints the message and exits with `code`.
func fail(_ message: String, code: Int32 = 1) -> ExitCode {
    warn(message)
    return ExitCode(code)
}

/// Serialises a JSON object with sorted keys on one line.
func jsonLine(_ object: Any) -> String {
    guard JSONSerialization.isValidJSONObject(object),
        let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    else { return "{}" }
    return String(decoding: data, as: UTF8.self)
}

/// Serialises a JSON object with sorted keys, indented.
func jsonPretty(_ object: Any) -> String {
    guard let data = try? JSONSerialization.data(
        withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
    else { return "{}" }
    return String(decoding: data, as: UTF8.self)
}

/// A price or quantity mantissa as a decimal string at an exponent.
func decimal(_ mantissa: Int64, _ exponent: Int8) -> String {
    Price(mantissa: mantissa, exponent: exponent).description
}

/// Now, ns since the epoch.
func nowNs() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

/// Sleeps for a number of microseconds.
func pause(microseconds: UInt32) { usleep(microseconds) }

/// Attaches a reader and turns "nothing there" into a clear exit.
func attachOrExit<T>(_ instance: String, _ attach: () throws(ShmError) -> T) throws -> T {
    do {
        return try attach()
    } catch .notFound {
        throw fail("no engine running on instance '\(instance)' (no segments found); start one with `engine start`")
    } catch {
        throw fail(error.description)
    }
}

extension FeedState {
    /// The lower-case name used in status output.
    var label: String { name }
}

/// Flushes standard output (every C stream), so piped readers see lines as they are printed.
func flushOutput() { fflush(nil) }

import ArgumentParser
import EngineKit
import Foundation

/// `engine snapshot`: every book and the stats as one JSON document.
struct Snapshot: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write every book and the stats as JSON.")

    @OptionGroup var options: InstanceOptions

    @Option(help: "Write to this file (atomically) instead of standard output.")
    var out: String?

    func run() throws {
        let view = try InstanceView(instance: options.instance)
        var object = view.headerObject()
        object["books"] = try view.books.instruments.map { try view.bookObject($0.index) }
        object["instruments"] = view.books.instruments.map(view.instrumentObject)
        object.merge(view.engineObject()) { a, _ in a }
        object["taken_ns"] = nowNs()
        let text = jsonPretty(object) + "\n"
        guard let out else {
            print(text, terminator: "")
            return
        }
        let url = URL(fileURLWithPath: out)
        do {
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            throw fail("cannot write \(out): \(error.localizedDescription)")
        }
        warn("snapshot of \(view.books.instruments.count) books written to \(out)")
    }
}

import ArgumentParser
import EngineKit
import Foundation

/// `engine risk halt|reduce|resume|status`: the kill switch. Halt cancels every open order and
/// refuses every new one; reduce lets only orders that reduce a position pass; resume returns to
/// normal. The same switch the engine itself throws on a reconciliation mismatch above its
/// threshold. Status reads the account segment.
struct Risk: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The kill switch: halt (cancel all, refuse all), reduce (only reducing orders), resume, status.")

    @Argument(help: "halt, reduce, resume or status.")
    var action: String

    @OptionGroup var options: InstanceOptions

    @Option(help: "Why (printable ASCII, shown by status; at most 31 characters are kept).")
    var reason: String?

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard ["halt", "reduce", "resume", "status"].contains(action) else {
            throw ValidationError("risk takes halt, reduce, resume or status, not '\(action)'")
        }
        if let reason {
            guard reason.utf8.count <= 39, reason.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) else {
                throw ValidationError("--reason must be at most 39 printable ASCII characters")
            }
        }
    }

    func run() throws {
        if action == "status" { return try status() }
        let view = try InstanceView(instance: options.instance)
        let op: CommandOp = action == "halt" ? .riskHalt : action == "reduce" ? .riskReduce : .riskResume
        let command = OrderCommand(op: op, instrument: 0, clientOrderId: reason ?? "by an operator")
        let answer = try submitAndWait(command, view: view, timeout: 5, followVenue: false)
        if answer.engine.type == .rejected { throw fail("refused: \(answer.engine.text)") }
        if json {
            print(jsonLine(["accepted": true, "answer": answer.engine.text]))
        } else {
            print(answer.engine.text)
        }
    }

    private func status() throws {
        let risk = try AccountViewReader.read(options.instance).risk
        if json {
            print(jsonLine(["state": risk.state.description, "since_ns": risk.sinceNs, "reason": risk.reason]))
        } else {
            print("kill switch \(risk.state)" + (risk.reason.isEmpty ? "" : ": \(risk.reason)")
                + (risk.sinceNs > 0 ? " (since \(isoTime(risk.sinceNs)))" : ""))
        }
    }
}

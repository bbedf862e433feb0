import ArgumentParser
import EngineKit
import EngineModel
import Foundation

/// `engine order place|cancel`: submits a command through a command lane, like any external
/// producer, and prints the engine's answer read from the exec journal.
struct Order: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Place or cancel an order through the engine's pre-trade risk.",
        subcommands: [Place.self, Cancel.self])
}

extension Order {
    struct Place: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Place an order; prints the accepted client order id or the rejection (exit 1).")

        @OptionGroup var options: InstanceOptions

        @Argument(help: "Symbol, e.g. BTCUSDT.")
        var symbol: String

        @Argument(help: "buy or sell.")
        var side: String

        @Argument(help: "Quantity in the base asset, e.g. 0.001.")
        var quantity: String

        @Option(help: "Limit price (required except for market orders).")
        var price: String?

        @Option(help: "limit, market or limit-maker.")
        var type: String = "limit"

        @Option(help: "GTC, IOC or FOK (limit orders).")
        var tif: String = "GTC"

        @Option(name: .customLong("client-id"), help: "Client order id (1-36 of A-Z a-z 0-9 - _); default: the engine names it.")
        var clientId: String?

        @Option(help: "Seconds to wait for the venue's answer.")
        var timeout: Double = 5

        @Flag(help: "Print the answer as one JSON object.")
        var json = false

        func validate() throws {
            guard Side(name: side) != nil else { throw ValidationError("side must be buy or sell, not '\(side)'") }
            guard let kind = OrderType(name: type.replacingOccurrences(of: "-", with: "_")) else {
                throw ValidationError("--type must be limit, market or limit-maker, not '\(type)'")
            }
            guard TimeInForce(name: tif) != nil else { throw ValidationError("--tif must be GTC, IOC or FOK, not '\(tif)'") }
            if kind != .market && price == nil { throw ValidationError("a \(type) order needs --price") }
            if kind == .market && price != nil { throw ValidationError("a market order takes no --price") }
            if let clientId { try validateClientId(clientId) }
            guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        }

        func run() throws {
            let view = try InstanceView(instance: options.instance)
            let index = try view.index(of: symbol.uppercased())
            let entry = view.books.instruments[index]
            let kind = OrderType(name: type.replacingOccurrences(of: "-", with: "_"))!
            let qty: Int64
            var px: Int64 = 0
            do {
                qty = try Quantity(parsing: quantity, exponent: entry.quantityExponent).mantissa
                if let price { px = try Price(parsing: price, exponent: entry.priceExponent).mantissa }
            } catch { throw fail("\(error) (\(entry.symbol): price exponent \(entry.priceExponent), quantity exponent \(entry.quantityExponent))", code: 2) }
            let command = OrderCommand(
                op: .new, instrument: index, side: Side(name: side)!, type: kind, timeInForce: TimeInForce(name: tif)!,
                price: px, quantity: qty, clientOrderId: clientId ?? "")
            let answer = try submitAndWait(command, view: view, timeout: timeout, followVenue: true)
            try report(answer, json: json, view: view)
        }
    }

    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel one order, or every open order of a symbol.")

        @OptionGroup var options: InstanceOptions

        @Argument(help: "Symbol, e.g. BTCUSDT.")
        var symbol: String

        @Option(name: .customLong("client-id"), help: "The order's client order id.")
        var clientId: String?

        @Option(name: .customLong("order-id"), help: "The order's venue order id.")
        var orderId: UInt64?

        @Flag(help: "Every open order of the symbol.")
        var all = false

        @Option(help: "Seconds to wait for the venue's answer.")
        var timeout: Double = 5

        @Flag(help: "Print the answer as one JSON object.")
        var json = false

        func validate() throws {
            let chosen = [clientId != nil, orderId != nil, all].filter { $0 }.count
            guard chosen == 1 else { throw ValidationError("name exactly one of --client-id, --order-id, --all") }
            if let clientId { try validateClientId(clientId) }
            if let orderId, orderId == 0 { throw ValidationError("--order-id must be positive") }
        }

        func run() throws {
            let view = try InstanceView(instance: options.instance)
            let index = try view.index(of: symbol.uppercased())
            let command = OrderCommand(
                op: all ? .cancelAll : .cancel, instrument: index, clientOrderId: clientId ?? "", targetId: orderId ?? 0)
            let answer = try submitAndWait(command, view: view, timeout: timeout, followVenue: !all)
            try report(answer, json: json, view: view)
        }
    }
}

/// The records that answered one command: the engine's (accepted or rejected), then the venue's.
struct CommandAnswer {
    var engine: ExecReport
    var venue: ExecReport?
}

/// Checks a client order id: 1-36 of A-Z a-z 0-9 - _ (`flag` names it in the message).
func validateClientId(_ id: String, flag: String = "--client-id") throws {
    guard (1...36).contains(id.utf8.count), id.utf8.allSatisfy({ $0 < 0x80 && (isalnum(Int32($0)) != 0 || $0 == 0x2D || $0 == 0x5F) })
    else { throw ValidationError("\(flag) must be 1-36 of A-Z a-z 0-9 - _, not '\(id)'") }
}

/// Why a command was not sent or got no answer, for the operator.
struct CommandFailure: Error {
    let message: String

    init(_ message: String) { self.message = message }
}

/// One producer's session with an engine: its command lane and its reader of the exec journal.
/// `engine order` opens one per command; `engine trade` keeps one for the whole console.
final class CommandSession {
    let producer: CommandProducer
    let journal: ExecJournalReader

    init(producer: CommandProducer, journal: ExecJournalReader) {
        self.producer = producer
        self.journal = journal
    }

    /// Submits a command through the lane and reads the exec journal for its answer, then (when
    /// `followVenue`) for the venue's first word on the order.
    func submitAndWait(_ command: OrderCommand, timeout: Double, followVenue: Bool) throws(CommandFailure)
        -> CommandAnswer
    {
        // Answers come after the submit: skip whatever the journal holds from before.
        journal.seek(to: journal.head + 1)
        let commandId: UInt64
        do { commandId = try producer.submit(command) } catch { throw CommandFailure("\(error)") }
        let deadline = Date().addingTimeInterval(timeout)
        var answer: CommandAnswer?
        while Date() < deadline {
            switch journal.poll() {
            case .record(let record):
                guard case .report(let r) = record.body else { continue }
                if answer == nil {
                    guard r.producer == producer.token, r.commandId == commandId,
                        r.type == .accepted || r.type == .rejected
                    else { continue }
                    answer = CommandAnswer(engine: r)
                    if r.type == .rejected || !followVenue { return answer! }
                } else if r.clientOrderId == answer!.engine.clientOrderId, r.type != .sent, r.type != .accepted {
                    answer!.venue = r
                    return answer!
                }
            case .lapped:
                continue
            case .stopped:
                throw CommandFailure("the engine stopped before answering")
            case .empty:
                usleep(500)
            }
        }
        guard let answer else {
            throw CommandFailure("no answer from the engine within \(timeout) s (command \(commandId) is queued)")
        }
        return answer
    }
}

/// Submits one command through a fresh lane and waits for its answer (see `CommandSession`);
/// every failure is a clear exit.
func submitAndWait(_ command: OrderCommand, view: InstanceView, timeout: Double, followVenue: Bool) throws -> CommandAnswer {
    guard view.isLive else { throw fail("the engine on instance '\(view.name)' is not live (state \(view.stats.segment.state))") }
    let journal = try attachOrExit(view.name) { () throws(ShmError) in try ExecJournalReader(instance: view.name) }
    let session: CommandSession
    do { session = CommandSession(producer: try CommandProducer(instance: view.name), journal: journal) } catch {
        throw fail("\(error)")
    }
    do { return try session.submitAndWait(command, timeout: timeout, followVenue: followVenue) } catch {
        throw fail(error.message)
    }
}

extension CommandAnswer {
    /// The last record: the venue's when there is one.
    var last: ExecReport { venue ?? engine }

    /// Whether the engine or the venue refused the command.
    var refused: Bool { engine.type == .rejected || last.type == .rejected || last.type == .cancelReject }

    /// The order's state after the answer; the venue's NEW is the engine's SUBMITTED (working at
    /// the venue, nothing filled).
    var state: String {
        let state = ExecJSON.stateNames[Int(min(last.orderState, 10))]
        return state == "NEW" && !last.isLocal ? "SUBMITTED" : state
    }

    /// The answer as one JSON object (the stable field names of `engine order --json`).
    func object(view: InstanceView) -> [String: Any] {
        var o: [String: Any] = [
            "accepted": !refused, "client_order_id": engine.clientOrderId, "state": state.isEmpty ? NSNull() : state,
            "answer": ExecJSON.object(ExecRecord.wrap(engine), view.books.instruments),
        ]
        if let venue {
            o["venue"] = ExecJSON.object(ExecRecord.wrap(venue), view.books.instruments)
            o["venue_order_id"] = venue.venueOrderId
        }
        if refused {
            o["code"] = Int(last.code)
            o["reason"] = last.text
        }
        return o
    }

    /// An accepted answer as one line: the engine's word, then the venue's.
    var acceptedLine: String {
        var line = engine.clientOrderId.isEmpty
            ? "\(engine.type.name): \(engine.text.isEmpty ? "cancel all" : engine.text)"
            : "\(engine.type.name): client order id \(engine.clientOrderId)"
        if let venue {
            line += ", venue \(venue.type.name), state \(state)"
            if venue.venueOrderId != 0 { line += ", venue order id \(venue.venueOrderId)" }
        }
        return line
    }
}

/// Prints an answer; exits 1 when the engine or the venue refused.
func report(_ answer: CommandAnswer, json: Bool, view: InstanceView) throws {
    let last = answer.last
    if json {
        print(jsonLine(answer.object(view: view)))
    } else if answer.refused {
        warn("rejected: code \(last.code)\(last.isLocal ? " (\(localCodeName(last.code)))" : ""): \(last.text)")
    } else {
        print(answer.acceptedLine)
    }
    if answer.refused { throw ExitCode(1) }
}

/// The name of a local rejection code.
func localCodeName(_ code: Int32) -> String {
    code >= 1 && Int(code) <= rejectCodeNames.count ? rejectCodeNames[Int(code) - 1] : "code \(code)"
}

extension ExecRecord {
    /// A report as a record, for printing.
    static func wrap(_ report: ExecReport) -> ExecRecord { ExecRecord(seq: 0, body: .report(report)) }
}

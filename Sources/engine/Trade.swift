import ArgumentParser
import EngineKit
import EngineModel
import Foundation

/// `engine trade`: a line-based manual trading console. Each order goes through one command lane
/// held for the session, so the engine's intake, pre-trade risk, gateway and exec journal treat it
/// like any other producer's; each answer is read back from the exec journal.
struct Trade: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "A manual trading console: one command a line on stdin (buy, sell, cancel, orders, pnl, help), one answer a line."
    )

    @OptionGroup var options: InstanceOptions

    @Option(help: "Seconds to wait for each order's answer.")
    var timeout: Double = 5

    @Flag(help: "Print one JSON object a line.")
    var json = false

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    func run() throws {
        let view = try InstanceView(instance: options.instance)
        guard view.isLive else {
            throw fail("the engine on instance '\(view.name)' is not live (state \(view.stats.segment.state))")
        }
        let journal = try attachOrExit(view.name) { () throws(ShmError) in try ExecJournalReader(instance: view.name) }
        let session: CommandSession
        do { session = CommandSession(producer: try CommandProducer(instance: view.name), journal: journal) } catch {
            throw fail("\(error)")
        }
        var console = TradeConsole(view: view, session: session, timeout: timeout, json: json)
        let prompt = isatty(STDIN_FILENO) != 0
        while true {
            if prompt {
                print("> ", terminator: "")
                flushOutput()
            }
            guard let line = readLine() else {
                if prompt { print("") }
                break
            }
            guard console.handle(line) else { break }
            flushOutput()
        }
    }
}

/// The console's state: the engine it talks to, its session and the answers given so far.
struct TradeConsole {
    /// One order command and what the console answered.
    struct Entry {
        let timeNs: Int64
        let line: String
        let answer: [String: Any]
        let text: String
    }

    let view: InstanceView
    let session: CommandSession
    let timeout: Double
    let json: Bool
    private(set) var history: [Entry] = []

    init(view: InstanceView, session: CommandSession, timeout: Double, json: Bool) {
        self.view = view
        self.session = session
        self.timeout = timeout
        self.json = json
    }

    /// What `help` prints.
    static let help = [
        "buy|sell SYMBOL QTY [PRICE] [--type limit|market|limit-maker] [--tif GTC|IOC|FOK] [--id CLIENT_ID]",
        "    no PRICE: a market order; PRICE: a limit order",
        "cancel SYMBOL CLIENT_ID    cancel one order",
        "cancel-all SYMBOL          cancel every open order of a symbol",
        "orders | positions | balances | pnl",
        "history [N]                the last N (20) order answers of this session",
        "help | quit | exit",
    ]

    /// Runs one line; false when the console should end (`quit`, `exit`).
    mutating func handle(_ line: String) -> Bool {
        let words = line.split(whereSeparator: \.isWhitespace).map(String.init)
        guard let verb = words.first?.lowercased(), !verb.hasPrefix("#") else { return true }
        let args = Array(words.dropFirst())
        do throws(CommandFailure) {
            switch verb {
            case "quit", "exit": return false
            case "help": emit(Self.help.joined(separator: "\n"), ["help": Self.help])
            case "buy", "sell": send(line, try order(Side(name: verb)!, args), followVenue: true)
            case "cancel":
                guard args.count == 2 else { throw CommandFailure("usage: cancel SYMBOL CLIENT_ID") }
                do { try validateClientId(args[1], flag: "the client order id") } catch {
                    throw CommandFailure("\(error)")
                }
                let index = try instrument(args[0])
                send(line, OrderCommand(op: .cancel, instrument: index, clientOrderId: args[1]), followVenue: true)
            case "cancel-all":
                guard args.count == 1 else { throw CommandFailure("usage: cancel-all SYMBOL") }
                send(line, OrderCommand(op: .cancelAll, instrument: try instrument(args[0])), followVenue: false)
            case "orders": try show(Orders.self, verb, args, flags: ["--open"])
            case "positions": try show(Positions.self, verb, args)
            case "balances": try show(Balances.self, verb, args)
            case "pnl": try show(PnL.self, verb, args)
            case "history": try showHistory(args)
            default: throw CommandFailure("unknown command '\(verb)'; try help")
            }
        } catch {
            emit("error: \(error.message)", ["error": error.message])
        }
        return true
    }

    /// A buy or sell line as a command; nothing is sent when the line is not valid.
    private func order(_ side: Side, _ args: [String]) throws(CommandFailure) -> OrderCommand {
        var positional: [String] = []
        var type: String?
        var tif = "GTC"
        var clientId = ""
        var rest = args[...]
        while let word = rest.popFirst() {
            guard word.hasPrefix("--") else {
                positional.append(word)
                continue
            }
            guard let value = rest.popFirst() else { throw CommandFailure("\(word) needs a value") }
            switch word {
            case "--type": type = value
            case "--tif": tif = value
            case "--id": clientId = value
            default: throw CommandFailure("unknown option '\(word)'; \(side.name) takes --type, --tif, --id")
            }
        }
        guard (2...3).contains(positional.count) else {
            throw CommandFailure("usage: \(side.name) SYMBOL QTY [PRICE] [--type T] [--tif T] [--id CLIENT_ID]")
        }
        let index = try instrument(positional[0])
        let price = positional.count == 3 ? positional[2] : nil
        let typeName = type ?? (price == nil ? "market" : "limit")
        guard let kind = OrderType(name: typeName.replacingOccurrences(of: "-", with: "_")) else {
            throw CommandFailure("--type must be limit, market or limit-maker, not '\(typeName)'")
        }
        guard let timeInForce = TimeInForce(name: tif) else {
            throw CommandFailure("--tif must be GTC, IOC or FOK, not '\(tif)'")
        }
        if kind != .market && price == nil { throw CommandFailure("a \(typeName) order needs a PRICE") }
        if kind == .market && price != nil { throw CommandFailure("a market order takes no PRICE") }
        if !clientId.isEmpty {
            do { try validateClientId(clientId, flag: "--id") } catch { throw CommandFailure("\(error)") }
        }
        let entry = view.books.instruments[index]
        do {
            let qty = try Quantity(parsing: positional[1], exponent: entry.quantityExponent).mantissa
            let px = try price.map { try Price(parsing: $0, exponent: entry.priceExponent).mantissa } ?? 0
            return OrderCommand(
                op: .new, instrument: index, side: side, type: kind, timeInForce: timeInForce, price: px, quantity: qty,
                clientOrderId: clientId)
        } catch {
            throw CommandFailure(
                "\(error) (\(entry.symbol): \(-Int(entry.priceExponent)) price decimals, \(-Int(entry.quantityExponent)) quantity decimals)"
            )
        }
    }

    /// The instrument index of a symbol, or an error naming the known ones.
    private func instrument(_ symbol: String) throws(CommandFailure) -> Int {
        guard let index = view.books.index(of: symbol.uppercased()) else {
            let known = view.books.instruments.map(\.symbol).joined(separator: ",")
            throw CommandFailure("unknown symbol '\(symbol)'; known: \(known)")
        }
        return index
    }

    /// Sends a command through the session's lane and prints the engine's (or the venue's) answer.
    private mutating func send(_ line: String, _ command: OrderCommand, followVenue: Bool) {
        var text: String
        var object: [String: Any]
        if !view.isLive {
            text = "the engine on instance '\(view.name)' is not live: command not sent"
            object = ["error": text]
            text = "error: " + text
        } else {
            do {
                let answer = try session.submitAndWait(command, timeout: timeout, followVenue: followVenue)
                object = answer.object(view: view)
                if answer.refused {
                    let last = answer.last
                    let code = last.isLocal ? localCodeName(last.code) : "venue \(last.code)"
                    object["code_name"] = code
                    text = "rejected: \(code): \(last.text.trimmingCharacters(in: .whitespaces))"
                } else {
                    text = answer.acceptedLine
                }
            } catch {
                object = ["error": error.message]
                text = "error: \(error.message)"
            }
        }
        emit(text, object)
        history.append(
            Entry(timeNs: nowNs(), line: line.trimmingCharacters(in: .whitespaces), answer: object, text: text))
    }

    /// Runs one of the read-only commands (`engine orders`, `positions`, …) with this console's
    /// instance and output format.
    private func show<C: ParsableCommand>(_ type: C.Type, _ verb: String, _ args: [String], flags: [String] = [])
        throws(CommandFailure)
    {
        guard args.isEmpty else { throw CommandFailure("\(verb) takes no arguments") }
        guard view.isLive else { throw CommandFailure("the engine on instance '\(view.name)' is not live") }
        do {
            var command = try C.parse(flags + ["--instance", view.name] + (json ? ["--json"] : []))
            try command.run()
        } catch {
            throw CommandFailure("\(verb): cannot read the engine's segments")
        }
    }

    /// Prints the last N answers to order commands (20 by default).
    private func showHistory(_ args: [String]) throws(CommandFailure) {
        guard args.count <= 1 else { throw CommandFailure("usage: history [N]") }
        var count = 20
        if let word = args.first {
            guard let n = Int(word), n > 0 else {
                throw CommandFailure("history takes a positive count, not '\(word)'")
            }
            count = n
        }
        let entries = history.suffix(count)
        if json {
            let objects = entries.map { ["time": isoTime($0.timeNs), "command": $0.line, "answer": $0.answer] }
            return print(jsonLine(["history": objects]))
        }
        if entries.isEmpty { return print("no order answers yet") }
        for e in entries { print("\(isoTime(e.timeNs))  \(e.line)  ->  \(e.text)") }
    }

    /// Prints one answer: the text, or the object as one JSON line.
    private func emit(_ text: String, _ object: [String: Any]) {
        print(json ? jsonLine(object) : text)
    }
}

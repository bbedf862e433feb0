import ArgumentParser
import EngineKit
import EngineModel
import Foundation
import Trading

/// `engine top`: a terminal dashboard of a running engine — books, orders, positions and PnL,
/// latencies, feed health — redrawn every 100 ms, with keys to switch views and to throw the
/// kill switch. It reads the segments like every ops command (read-only, nothing on the engine's
/// cores) and steers through a command lane of its own.
struct Top: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Terminal dashboard: books, orders, positions/PnL, latencies, feed health; "
            + "keys 1-5 views, n/p symbol, h halt, r resume, q quit."
    )

    @OptionGroup var options: InstanceOptions

    @Option(name: .customLong("interval-ms"), help: "Redraw period in ms (20-10000).")
    var intervalMs = 100

    @Option(help: "First view: books, orders, positions, latency or feeds.")
    var view = "books"

    @Flag(help: "Print one frame and exit (no terminal needed).")
    var once = false

    func validate() throws {
        guard (20...10_000).contains(intervalMs) else {
            throw ValidationError("--interval-ms must be from 20 to 10000, not \(intervalMs)")
        }
        guard TopView(name: view) != nil else {
            throw ValidationError(
                "--view must be one of \(TopView.allCases.map(\.name).joined(separator: ", ")), not '\(view)'")
        }
    }

    func run() throws {
        let instanceView = try InstanceView(instance: options.instance)
        var model = TopModel(view: instanceView)
        var screen = TopScreen(view: TopView(name: view)!)
        if once {
            model.refresh()
            print(screen.render(model, width: 160, height: 40).joined(separator: "\n"))
            return
        }
        guard isatty(STDIN_FILENO) != 0, isatty(STDOUT_FILENO) != 0 else {
            throw fail("engine top needs a terminal (use --once for a single frame)", code: 2)
        }
        let terminal = try Terminal()
        defer { terminal.restore() }
        while !Terminal.stopRequested {
            model.refresh()
            terminal.draw(screen.render(model, width: terminal.size.width, height: terminal.size.height))
            for key in terminal.keys(waitingMs: intervalMs) {
                switch screen.handle(key) {
                case .quit: return
                case .halt: screen.status = model.risk(.riskHalt)
                case .resume: screen.status = model.risk(.riskResume)
                case .none: break
                }
            }
        }
    }
}

/// The views of `engine top`.
enum TopView: Int, CaseIterable {
    case books = 1, orders, positions, latency, feeds

    var name: String {
        switch self {
        case .books: "books"
        case .orders: "orders"
        case .positions: "positions"
        case .latency: "latency"
        case .feeds: "feeds"
        }
    }

    init?(name: String) {
        guard let found = Self.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = found
    }
}

/// What `engine top` shows, read from the segments each frame; the exec journal folded as it grows.
struct TopModel {
    let view: InstanceView
    var header: [String: Any] = [:]
    var instruments: [[String: Any]] = []
    var engine: [String: Any] = [:]
    var account: AccountView?
    var board: OrderBoard?
    var journal: ExecJournalReader?
    var books: [Int: BookSnapshot] = [:]
    var session: CommandSession?

    init(view: InstanceView) {
        self.view = view
        journal = try? ExecJournalReader(instance: view.name, fromOldest: true)
        board = (try? Orders.instruments(view: view)).map { OrderBoard(instruments: $0) }
    }

    mutating func refresh() {
        header = view.headerObject()
        instruments = view.books.instruments.map(view.instrumentObject)
        engine = view.engineObject()
        account = (try? AccountSegmentReader(instance: view.name)).flatMap { try? $0.read() }
        if let journal {
            var steps = 0
            while steps < 100_000, case .record(let record) = journal.poll() {
                board?.apply(record)
                steps += 1
            }
        }
        for entry in view.books.instruments {
            books[entry.index] = try? view.books.snapshot(entry.index, levels: 10)
        }
    }

    /// Throws the kill switch through this process's own lane; the answer as one line.
    mutating func risk(_ op: CommandOp) -> String {
        guard view.isLive else { return "the engine is not live" }
        do {
            if session == nil {
                session = CommandSession(
                    producer: try CommandProducer(instance: view.name),
                    journal: try ExecJournalReader(instance: view.name))
            }
            let answer = try session!.submitAndWait(
                OrderCommand(op: op, instrument: 0, clientOrderId: "engine top"), timeout: 5, followVenue: false)
            return answer.engine.type == .rejected ? "refused: \(answer.engine.text)" : answer.engine.text
        } catch let failure as CommandFailure {
            return failure.message
        } catch {
            return "\(error)"
        }
    }
}

import Account

/// What the control plane serves, and the hands it steers the engine with. The engine implements
/// it over the same read-only views of its segments the ops commands use, its in-process account
/// state, and a command lane of its own — so nothing here runs on, or waits for, a pinned core.
/// Every method may be called from any task; reads return at once.
public protocol ControlSource: Sendable {
    /// The instruments, in the engine's order.
    var symbols: [String] { get }
    /// Numbers for /metrics, /health and the dashboards, read now.
    func sample() -> EngineSample
    /// The same object as `engine status --json`.
    func status() -> JSONValue
    /// A book to `depth` levels a side; nil for a symbol the engine does not run.
    func book(symbol: String, depth: Int) -> JSONValue?
    /// The session's orders (the exec journal folded through the order state machine), newest last.
    func orders(openOnly: Bool) -> [JSONValue]
    /// The strategy runner's report; nil when the engine runs no strategies.
    func strategies() -> JSONValue?
    /// The account's alerts, newest first.
    func alerts(limit: Int) -> [JSONValue]
    /// The account in this process: its snapshots and its change stream; nil without an account.
    var account: AccountFeed? { get }
    /// Carries out an operator's command and answers it.
    func perform(_ command: ControlCommand) async -> ControlAnswer
}

/// The account processor's snapshot store and broadcaster (both safe from any thread).
public struct AccountFeed: Sendable {
    public let store: AccountStateStore
    public let broadcaster: AccountBroadcaster

    public init(store: AccountStateStore, broadcaster: AccountBroadcaster) {
        self.store = store
        self.broadcaster = broadcaster
    }
}

/// An operator's command from a mutating endpoint (already authenticated and parsed).
public enum ControlCommand: Sendable, Equatable {
    /// POST /api/orders.
    case place(OrderForm)
    /// DELETE /api/orders/{client_order_id}.
    case cancel(clientOrderId: String)
    /// POST /api/risk/{halt|reduce|resume}.
    case risk(action: String, reason: String)
    /// POST /api/reload.
    case reload
}

/// The body of POST /api/orders: decimals as strings, as the CLI takes them.
public struct OrderForm: Sendable, Equatable, Decodable {
    public var symbol: String
    public var side: String
    public var quantity: String
    public var price: String?
    public var type: String?
    public var timeInForce: String?
    public var clientOrderId: String?

    enum CodingKeys: String, CodingKey {
        case symbol, side, quantity, price, type
        case timeInForce = "time_in_force"
        case clientOrderId = "client_order_id"
    }

    public init(
        symbol: String, side: String, quantity: String, price: String? = nil, type: String? = nil,
        timeInForce: String? = nil, clientOrderId: String? = nil
    ) {
        self.symbol = symbol
        self.side = side
        self.quantity = quantity
        self.price = price
        self.type = type
        self.timeInForce = timeInForce
        self.clientOrderId = clientOrderId
    }
}

/// The answer to a command: the HTTP status and the body.
public struct ControlAnswer: Sendable, Equatable {
    public var status: Int
    public var body: JSONValue

    public init(status: Int, body: JSONValue) {
        self.status = status
        self.body = body
    }

    /// A refusal with a message.
    public static func error(_ status: Int, _ message: String) -> ControlAnswer {
        ControlAnswer(status: status, body: ["error": .string(message)])
    }
}

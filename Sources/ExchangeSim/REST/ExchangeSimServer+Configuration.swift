import EngineModel
import Matching

extension ExchangeSimServer {
    /// Everything the simulated venue's REST server is started with.
    public struct Configuration: Sendable {
        /// The address to bind; loopback unless told otherwise.
        public var host: String
        /// The port; 0 picks a free one (see `ExchangeSimServer.port()`).
        public var port: Int
        /// The listed symbols.
        public var symbols: [SimSymbol]
        /// The test accounts' keys; each account is funded with `initialBalances`.
        public var credentials: [APICredential]
        /// What every test account holds at start, by asset.
        public var initialBalances: [String: String]
        /// Seeds the matching engine's client order ids and the liquidity participants.
        public var seed: UInt64
        /// REQUEST_WEIGHT per minute per IP (Binance: 6000).
        public var weightLimit: Int
        /// ORDERS per 10 seconds per account (Binance: 100).
        public var ordersPer10s: Int
        /// ORDERS per day per account (Binance: 200 000).
        public var ordersPerDay: Int
        /// How long a 418 ban lasts, in seconds (Binance: from 2 minutes).
        public var banSeconds: Int
        /// How often each symbol's liquidity participant acts, in milliseconds; 0 leaves the
        /// books still (and empty).
        public var participantIntervalMillis: Int
        /// Participant steps taken before the server starts, so books are not empty.
        public var warmUpSteps: Int
        /// Maker and taker commission of the test accounts.
        public var commissions: CommissionSchedule
        /// Recorded data to replay (see `ReplayConfiguration`); nil replays nothing.
        public var replay: ReplayConfiguration?
        /// The USD-M futures market: its contracts (`/fapi/v1/…`, `/fstream/…`).
        public var futures: FuturesConfiguration
        /// https and wss instead of http and ws, with certificates made at start; nil: plain.
        public var tls: TLSSetup?
        /// Faults armed at start (`FaultSpec`); more can be armed at `POST /admin/faults`.
        public var faults: [FaultSpec]
        /// How often the server pings market-stream connections, in ms (Binance: 20 000); 0: never.
        public var pingIntervalMillis: Int
        /// How long a ping may go unanswered before the connection is dropped, in ms (Binance:
        /// 60 000); 0: never dropped.
        public var pongTimeoutMillis: Int

        /// The default API key of the test account.
        public static let defaultAPIKey = "tickwire-sim-key-0000000000000000000000000000000000000000000000000000"
        /// The default API secret of the test account.
        public static let defaultAPISecret = "tickwire-sim-secret-00000000000000000000000000000000000000000000000"

        /// A loopback configuration with Binance's limits, the built-in symbols and one test
        /// account.
        public init(
            host: String = "127.0.0.1", port: Int = 0, symbols: [SimSymbol] = SimSymbol.builtIn,
            apiKey: String = Configuration.defaultAPIKey, apiSecret: String = Configuration.defaultAPISecret,
            seed: UInt64 = 1, weightLimit: Int = 6000
        ) {
            self.host = host
            self.port = port
            self.symbols = symbols
            self.credentials = [APICredential(apiKey: apiKey, apiSecret: apiSecret, account: "test")]
            self.initialBalances = [
                "USDT": "10000000", "BTC": "100", "ETH": "1000", "BNB": "10000", "SOL": "10000", "XRP": "1000000",
            ]
            self.seed = seed
            self.weightLimit = weightLimit
            self.ordersPer10s = 100
            self.ordersPerDay = 200_000
            self.banSeconds = 120
            self.participantIntervalMillis = 100
            self.warmUpSteps = 200
            self.commissions = .standard
            self.replay = nil
            self.futures = FuturesConfiguration()
            self.tls = nil
            self.faults = []
            self.pingIntervalMillis = 20_000
            self.pongTimeoutMillis = 60_000
        }
    }
}

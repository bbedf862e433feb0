// swift-tools-version: 6.0
import PackageDescription

let cWarnings: [CSetting] = [.unsafeFlags(["-Wall", "-Wextra"])]

let package = Package(
    name: "Tickwire",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "engine", targets: ["engine"]),
        .executable(name: "bench", targets: ["bench"]),
        .library(name: "EngineKit", targets: ["EngineKit"]),
        .library(name: "EngineModel", targets: ["EngineModel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.1.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
        // Already in the graph through Hummingbird; named because ExchangeSim imports them directly.
        .package(url: "https://github.com/apple/swift-nio", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.0.0"),
        // TLS for ExchangeSim's https/wss (certificates made at start) and the feed supervisor's REST client.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.27.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.0.0"),
        // Already in the graph through swift-certificates; ExchangeSim writes IP SANs with it.
        .package(url: "https://github.com/apple/swift-asn1", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.20.0"),
        // The recorder's embedded store: SQLite (the system library, WAL mode) with versioned migrations.
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        // The recorder's at-scale store: PostgreSQL, behind the same RecorderStore interface.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.21.0"),
        // The control plane's /metrics: swift-metrics (already in the graph through Hummingbird) with
        // its Prometheus exporter.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
    ],
    targets: [
        // The shared-memory ABI: links nothing but libc.
        .target(name: "CEngineShm", path: "CSources/CEngineShm", cSettings: cWarnings),
        // The hot network path: pinning, clocks, synthetic venue; io_uring/TLS to come.
        .target(
            name: "CEngineCore",
            dependencies: ["CEngineShm"],
            path: "CSources/CEngineCore",
            cSettings: cWarnings,
            linkerSettings: [
                .linkedLibrary("uring"), .linkedLibrary("ssl"), .linkedLibrary("crypto"),
                .linkedLibrary("numa"), .linkedLibrary("pthread"),
            ]
        ),
        .target(name: "EngineModel"),
        .target(name: "EngineKit", dependencies: ["CEngineShm", "CEngineCore", "EngineModel"]),
        // Feed supervisor: starts the C feed threads, fetches REST snapshots, reports health.
        .target(
            name: "MarketData",
            dependencies: [
                "EngineKit", "EngineModel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Order lifecycle, pre-trade validation, retries and the circuit breaker: I/O free.
        .target(name: "Execution", dependencies: ["EngineModel"]),
        // The I/O-free price-time matching engine: ExchangeSim's venue and the engine's simulation mode.
        .target(name: "Matching", dependencies: ["EngineModel"]),
        // The order path at run time: command intake through pre-trade risk to the C gateway, the
        // exec journal folded into order state, credentials.
        .target(
            name: "Trading",
            dependencies: [
                "EngineKit", "EngineModel", "Execution", "Matching", "Strategy",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Strategies: the Strategy API, signal aggregation, the order desk, risk limits and the
        // built-in strategies. I/O free: the same code runs live, in simulation and in a backtest.
        .target(name: "Strategy", dependencies: ["EngineModel"]),
        // Backtests: strategies over a recording replayed through the Matching engine, on the
        // recording's clock, with a deterministic report and an SVG of equity and positions.
        .target(name: "Backtest", dependencies: ["Strategy", "Matching", "ExchangeSim", "EngineModel"]),
        // The strategy runner: a thread on the md ring feeding the strategy host, its orders through
        // a command lane like any producer, its answers from the exec journal.
        .target(name: "StrategyRuntime", dependencies: ["Strategy", "EngineKit", "EngineModel", "Execution"]),
        // Account state: balances, positions and PnL, the double-entry ledger, reconciliation, alerts.
        // I/O free: the engine feeds it exec journal events and venue answers.
        .target(name: "Account", dependencies: ["EngineModel"]),
        // Persistence off the hot path: orders, fills, ledger, snapshots, reports, alerts, bars.
        .target(
            name: "Recorder",
            dependencies: ["Account", "EngineModel", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // The recorder on PostgreSQL (`--recorder postgres://…`): the same RecorderStore as SQLiteRecorder.
        .target(
            name: "RecorderPostgres",
            dependencies: [
                "Recorder", "Account", "EngineModel",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The account at run time: the processor thread over the exec journal, the venue's account
        // over signed REST for reconciliation, recovery after a crash, the market-data tape.
        .target(
            name: "AccountService",
            dependencies: [
                "Account", "Recorder", "EngineKit", "EngineModel", "Execution", "Trading", "MarketData",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A Binance-compatible venue over the Matching engine.
        .target(
            name: "ExchangeSim",
            dependencies: [
                "EngineModel", "Matching",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        // The control plane: the HTTP/WebSocket API, /metrics, the dashboard streams and page, over a
        // ControlSource the engine implements; off the pinned cores, on Hummingbird.
        .target(
            name: "ControlPlane",
            dependencies: [
                "Account", "EngineModel",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "engine",
            dependencies: [
                "EngineKit", "EngineModel", "ExchangeSim", "MarketData", "Trading", "Execution", "Account",
                "AccountService", "Recorder", "RecorderPostgres", "Strategy", "StrategyRuntime", "Backtest", "ControlPlane",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "CBench", dependencies: ["CEngineShm", "CEngineCore"], path: "Bench/CBench", cSettings: cWarnings),
        // The in-memory feed's library baseline (simdjson ondemand + std::map), run beside it by the bench.
        .target(
            name: "CBaseline",
            dependencies: ["CBench", "CEngineCore"],
            path: "Bench/CBaseline",
            cxxSettings: [.unsafeFlags(["-Wall", "-Wextra"])],
            linkerSettings: [.linkedLibrary("simdjson")]
        ),
        .executableTarget(
            name: "bench",
            dependencies: [
                "CBench", "CBaseline", "CEngineCore", "CEngineShm", "ExchangeSim", "EngineKit", "EngineModel", "Execution", "Trading",
                "Account", "AccountService", "Recorder", "Strategy", "StrategyRuntime", "Backtest", "ControlPlane",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "Bench/bench"
        ),
        .testTarget(name: "CEngineShmTests", dependencies: ["CEngineShm"]),
        .testTarget(name: "EngineModelTests", dependencies: ["EngineModel"]),
        .testTarget(name: "ExecutionTests", dependencies: ["Execution", "EngineModel"]),
        .testTarget(name: "TradingTests", dependencies: ["Trading", "Execution", "EngineKit", "EngineModel", "CEngineShm", "Matching"]),
        .testTarget(name: "MatchingTests", dependencies: ["Matching", "EngineModel"]),
        .testTarget(name: "AccountTests", dependencies: ["Account", "EngineModel"]),
        .testTarget(name: "StrategyTests", dependencies: ["Strategy", "EngineModel"]),
        .testTarget(name: "BacktestTests", dependencies: ["Backtest", "Strategy", "ExchangeSim", "EngineModel"]),
        .testTarget(name: "RecorderTests", dependencies: ["Recorder", "Account", "EngineModel"]),
        .testTarget(
            name: "AccountServiceTests",
            dependencies: [
                "AccountService", "Account", "Recorder", "Trading", "EngineKit", "EngineModel",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "RecorderPostgresTests", dependencies: ["RecorderPostgres", "Recorder", "Account", "EngineModel"]
        ),
        .testTarget(
            name: "ExchangeSimTests",
            dependencies: [
                "ExchangeSim", "EngineModel", "Matching",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .testTarget(
            name: "ControlPlaneTests",
            dependencies: [
                "ControlPlane", "Account", "EngineModel",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "EngineKitTests", dependencies: ["EngineKit", "EngineModel", "CEngineShm"]),
        .testTarget(name: "MarketDataTests", dependencies: ["MarketData", "EngineKit", "EngineModel"]),
        .target(name: "TickwireTestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "engineTests", dependencies: ["TickwireTestSupport"]),
        .testTarget(name: "IntegrationTests", dependencies: ["TickwireTestSupport"]),
    ],
    cxxLanguageStandard: .cxx17
)

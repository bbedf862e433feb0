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
        // A Binance-compatible venue; its matching engine is I/O free and depends on EngineModel only.
        .target(name: "ExchangeSim", dependencies: ["EngineModel"]),
        .executableTarget(
            name: "engine",
            dependencies: ["EngineKit", "EngineModel", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .target(name: "CBench", dependencies: ["CEngineShm", "CEngineCore"], path: "Bench/CBench", cSettings: cWarnings),
        .executableTarget(
            name: "bench",
            dependencies: [
                "CBench", "CEngineCore", "CEngineShm",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "Bench/bench"
        ),
        .testTarget(name: "CEngineShmTests", dependencies: ["CEngineShm"]),
        .testTarget(name: "EngineModelTests", dependencies: ["EngineModel"]),
        .testTarget(name: "ExchangeSimTests", dependencies: ["ExchangeSim", "EngineModel"]),
        .testTarget(name: "EngineKitTests", dependencies: ["EngineKit", "EngineModel", "CEngineShm"]),
        .target(name: "TickwireTestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "engineTests", dependencies: ["TickwireTestSupport"]),
        .testTarget(name: "IntegrationTests", dependencies: ["TickwireTestSupport"]),
    ]
)

// swift-tools-version: 6.1
import PackageDescription

// The dependency direction is the architecture: an arrow points at a module that uses the
// one it starts from, and a module may use any module upstream of it.
//
//   CRdKafka -> RevisitKafka -> RevisitRuntime -> RevisitServer -> RevisitBenchmarks -> revisit (CLI) <- CMimalloc
//                               RevisitCore ----^
//                               (pure: no I/O, no clock)
//
//   RevisitSecrets -> RevisitKafka and RevisitCore
//
// RevisitSecrets is the rule of which configuration properties hold secrets, shared by the
// Kafka layer and the core, which do not use each other. RevisitBenchmarks holds the
// benchmarks of `revisit bench`; the CLI maps its options onto them.
let package = Package(
    name: "Revisit",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "revisit", targets: ["revisit"]),
        .library(name: "RevisitCore", targets: ["RevisitCore"]),
        .library(name: "RevisitKafka", targets: ["RevisitKafka"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        // Without its swift-configuration support, which Revisit does not use (shorter builds).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // MARK: - librdkafka
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        // The allocator of the executable (see Sources/revisit/Support/Allocator.swift).
        .systemLibrary(
            name: "CMimalloc",
            providers: [.apt(["libmimalloc-dev"])]
        ),
        .target(
            name: "RevisitKafka",
            dependencies: [
                "CRdKafka",
                "RevisitSecrets",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: - Which configuration properties hold secrets: one rule for the Kafka layer and the core
        .target(name: "RevisitSecrets"),

        // MARK: - Pure core: events, time, operators, churn model, outputs
        .target(
            name: "RevisitCore",
            dependencies: [
                "RevisitSecrets",
                .product(name: "Collections", package: "swift-collections"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),

        // MARK: - Runtime: tasks, state, checkpoints, replay
        .target(
            name: "RevisitRuntime",
            dependencies: [
                "RevisitCore",
                "RevisitKafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),

        // MARK: - HTTP: /metrics and health of every process, `revisit serve` and its dashboard,
        // access control and the masking of user ids (HMAC-SHA256 from swift-crypto)
        .target(
            name: "RevisitServer",
            dependencies: [
                "RevisitCore",
                "RevisitKafka",
                "RevisitRuntime",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),

        // MARK: - Benchmarks: `revisit bench` (the commands in the CLI map their options onto these)
        .target(
            name: "RevisitBenchmarks",
            dependencies: [
                "RevisitCore",
                "RevisitKafka",
                "RevisitRuntime",
                "RevisitServer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // MARK: - Command line
        .executableTarget(
            name: "revisit",
            dependencies: [
                "CMimalloc",
                "RevisitBenchmarks",
                "RevisitCore",
                "RevisitKafka",
                "RevisitRuntime",
                "RevisitServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),

        // MARK: - Tests
        // Brokers the tests run as child processes (noida-db).
        .target(name: "RevisitTestSupport", dependencies: ["RevisitKafka"], path: "Tests/RevisitTestSupport"),
        .testTarget(name: "RevisitKafkaTests", dependencies: ["RevisitKafka", "RevisitTestSupport"]),
        .testTarget(name: "RevisitCoreTests", dependencies: ["RevisitCore"]),
        // The rule of secrets as both of its users apply it.
        .testTarget(name: "RevisitSecretsTests", dependencies: ["RevisitSecrets", "RevisitCore", "RevisitKafka"]),
        // Tests talk HTTP to servers listening on loopback (HummingbirdTesting would bring an
        // HTTP client and TLS stack into every build).
        .testTarget(name: "RevisitServerTests", dependencies: ["RevisitServer", "RevisitRuntime", "RevisitCore", "RevisitKafka"]),
        .testTarget(
            name: "RevisitRuntimeTests",
            dependencies: [
                "RevisitRuntime", "RevisitCore", "RevisitKafka", "RevisitTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // Runs the built `revisit` executable as separate processes.
        .testTarget(name: "RevisitCLITests", dependencies: ["revisit", "RevisitCore", "RevisitKafka", "RevisitTestSupport"]),
    ]
)

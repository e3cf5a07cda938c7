// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Docket",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "DocketCore", targets: ["DocketCore"]),
        .library(name: "DocketLMDB", targets: ["DocketLMDB"]),
        .library(name: "DocketEngine", targets: ["DocketEngine"]),
        .library(name: "LaborDisputes", targets: ["LaborDisputes"]),
        .library(name: "DocketTesting", targets: ["DocketTesting"]),
        .executable(name: "docket", targets: ["docket"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CDocketLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        .target(
            name: "DocketCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "DocketLMDB",
            dependencies: ["DocketCore", "CDocketLMDB", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .target(
            name: "DocketEngine",
            dependencies: [
                "DocketCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Calendars")],
            swiftSettings: strict
        ),
        .target(
            name: "LaborDisputes",
            dependencies: ["DocketCore", "DocketEngine"],
            resources: [.copy("Regions")],
            swiftSettings: strict
        ),
        .target(
            name: "DocketTesting",
            dependencies: ["DocketCore", "DocketEngine"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "docket",
            dependencies: [
                "DocketCore", "DocketLMDB", "DocketEngine", "LaborDisputes",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DocketCoreTests",
            dependencies: ["DocketCore"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DocketLMDBTests",
            dependencies: [
                "DocketCore", "DocketLMDB", "DocketTesting", "docket",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DocketEngineTests",
            dependencies: [
                "DocketCore", "DocketEngine", "DocketLMDB", "DocketTesting",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LaborDisputesTests",
            dependencies: [
                "DocketCore", "DocketEngine", "DocketTesting", "LaborDisputes",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DocketTestingTests",
            dependencies: ["DocketCore", "DocketTesting"],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)

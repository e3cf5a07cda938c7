// swift-tools-version: 6.1
// Benchmarks for Docket, kept out of the main package graph so that `swift test` stays fast.
//   swift run -c release docket-bench          # one JSON object: store vs raw LMDB, medians and ratios
//   swift package benchmark                    # package-benchmark: time, throughput, memory
import PackageDescription

let package = Package(
    name: "DocketBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Docket", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .systemLibrary(name: "CBenchLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        .target(
            name: "StoreWorkloads",
            dependencies: [
                "CBenchLMDB",
                .product(name: "DocketCore", package: "Docket"),
                .product(name: "DocketLMDB", package: "Docket"),
                .product(name: "DocketEngine", package: "Docket"),
                .product(name: "LaborDisputes", package: "Docket"),
            ]
        ),
        .executableTarget(name: "docket-bench", dependencies: ["StoreWorkloads"]),
        .executableTarget(
            name: "StoreBenchmarks",
            dependencies: ["StoreWorkloads", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/StoreBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)

import Benchmark
import DocketCore
import DocketLMDB
import Foundation
import StoreWorkloads

// package-benchmark views of the same workloads as `docket-bench` (time, throughput, memory).
// The side-by-side ratios against raw LMDB come from `docket-bench`.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .peakMemoryResident, .mallocCountTotal],
        warmupIterations: 1,
        maxDuration: .seconds(10),
        maxIterations: 5)

    Benchmark("Store: batched append, 10 x 10,000 events") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try await Workloads.storeBatched(batches: 10, perBatch: 10_000))
        }
    }
    Benchmark("Raw LMDB: batched append, 10 x 10,000 values") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(Workloads.rawBatched(batches: 10, perBatch: 10_000))
        }
    }
    Benchmark("Store: durable append, 64 writers x 200 commands") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try await Workloads.storeDurable(writers: 64, perWriter: 200))
        }
    }
    Benchmark("Raw LMDB: durable append, 500 commits") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(Workloads.rawDurable(commits: 500))
        }
    }
    Benchmark("Store: full scan with decoding, 200,000 events", configuration: .init(setup: {
        try await Workloads.buildLog(at: scanDirectory, events: 200_000, streams: 1_000)
    }, teardown: {
        Workloads.remove(scanDirectory)
    })) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try Workloads.storeScan(at: scanDirectory).events)
        }
    }
}

let scanDirectory = NSTemporaryDirectory() + "docket-benchmark-scan"

// Runs each store workload side by side with raw LMDB doing the same writes or reads, several
// times, alternating, and prints one JSON object with the medians and the median ratios.
//
//   cd Benchmarks && swift run -c release docket-bench [--runs 5] [--scan-events 1000000]
import Foundation
import StoreWorkloads

struct Figure: Codable {
    var store: Double
    var raw: Double
    var ratio: Double
    var target: String
    var met: Bool
    var unit: String
    var storeRuns: [Double]
    var rawRuns: [Double]
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func option(_ name: String, _ fallback: Int) -> Int {
    let args = CommandLine.arguments
    if let i = args.firstIndex(of: name), i + 1 < args.count, let v = Int(args[i + 1]) { return v }
    return fallback
}

func log(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }

let only: Set<String> = {
    let args = CommandLine.arguments
    guard let i = args.firstIndex(of: "--only"), i + 1 < args.count else { return [] }
    return Set(args[i + 1].split(separator: ",").map(String.init))
}()
func selected(_ name: String) -> Bool { only.isEmpty || only.contains(name) }

// Profiling aids, each printing to standard error and exiting:
// - `--build-log DIR N` builds a benchmark log; `--scan-existing DIR` and `--reads-existing DIR` scan or read it;
// - `--build-case-log DIR N` builds a log of about N case events through the dispute desk;
//   `--rebuild-existing DIR` rebuilds its read models (`DOCKET_BENCH_REBUILD=cases,archives` picks some,
//   `DOCKET_BENCH_VERBOSE=1` prints each one's time and the rebuild's CPU time); `--record-codec DIR` times encoding and decoding
//   its case records;
// - `--batched-store` runs the store side of the batched-append workload alone (for `perf stat`).
if let i = CommandLine.arguments.firstIndex(of: "--build-log") {
    try await Workloads.buildLog(at: CommandLine.arguments[i + 1], events: Int(CommandLine.arguments[i + 2])!, streams: 10_000)
    exit(0)
}
if let i = CommandLine.arguments.firstIndex(of: "--reads-existing") {
    for _ in 0..<3 { log("reads: \(Int(try await Workloads.storeRandomReads(at: CommandLine.arguments[i + 1], streams: 10_000, reads: 20_000, seed: 42))) streams/s") }
    exit(0)
}
if let i = CommandLine.arguments.firstIndex(of: "--build-case-log") {
    log("built \(try await Workloads.buildCaseLog(at: CommandLine.arguments[i + 1], events: Int(CommandLine.arguments[i + 2])!)) events")
    exit(0)
}
if let i = CommandLine.arguments.firstIndex(of: "--rebuild-existing") {
    for _ in 0..<3 { log("rebuild: \(Int(try await Workloads.rebuildReadModels(at: CommandLine.arguments[i + 1]))) events/s") }
    exit(0)
}
if CommandLine.arguments.contains("--batched-store") {
    for _ in 0..<5 { log("batched store: \(Int(try await Workloads.storeBatched(batches: 20, perBatch: 10_000))) events/s") }
    exit(0)
}
if let i = CommandLine.arguments.firstIndex(of: "--record-codec") {
    try await Workloads.recordCodec(at: CommandLine.arguments[i + 1])
    exit(0)
}
if let i = CommandLine.arguments.firstIndex(of: "--scan-existing") {
    for _ in 0..<3 { log("scan: \(Int(try Workloads.storeScan(at: CommandLine.arguments[i + 1]).eventsPerSecond)) events/s") }
    exit(0)
}

if CommandLine.arguments.contains("--engine-cpu") {
    for _ in 0..<3 {
        let plain = try await Workloads.engineCPU(callers: 256, perCaller: 400, prepare: false)
        let prepared = try await Workloads.engineCPU(callers: 256, perCaller: 400, prepare: true)
        log("engine over a null store: \(Int(plain)) commands/s; with validation and fingerprint: \(Int(prepared)); JSON encodes: \(Int(try Workloads.encodeRate(200_000)))/s")
    }
    exit(0)
}

let runs = option("--runs", 5)
let scanEvents = option("--scan-events", 1_000_000)
var figures: [String: Figure] = [:]

/// Whether the current run of a pair counts (false during its uncounted first round): workloads
/// that record more than their rate (the scan's memory, the cold engine's replay rate) record only
/// counted runs.
var counting = true

@MainActor
func pair(_ name: String, unit: String, target: String, meets: (Double, Double) -> Bool,
          store: () async throws -> Double, raw: () async throws -> Double) async throws {
    guard selected(name) else { return }
    var s: [Double] = [], r: [Double] = []
    // One round first, not counted: a process's first run of a workload writes a fresh file on a
    // cold file system and measured up to twice slower, which favoured whichever side ran first.
    counting = false
    _ = try await raw()
    _ = try await store()
    counting = true
    for i in 0..<runs {
        // Alternate the order so that neither side always runs on a warmer machine.
        if i % 2 == 0 { r.append(try await raw()); s.append(try await store()) } else { s.append(try await store()); r.append(try await raw()) }
        log("\(name) run \(i + 1)/\(runs): store \(Int(s.last!)) raw \(Int(r.last!)) \(unit)")
    }
    let ratios = zip(s, r).map { $0 / $1 }
    let ms = median(s), mr = median(r), ratio = median(ratios)
    figures[name] = Figure(store: ms, raw: mr, ratio: ratio, target: target, met: meets(ratio, ms), unit: unit, storeRuns: s, rawRuns: r)
}

try await pair("batchedAppend10k", unit: "events/s", target: "store >= 0.40 x raw", meets: { ratio, _ in ratio >= 0.40 },
               store: { try await Workloads.storeBatched(batches: 20, perBatch: 10_000) },
               raw: { Workloads.rawBatched(batches: 20, perBatch: 10_000) })

try await pair("durableAppend1Writer", unit: "commands/s", target: "reported (one fsync per command either way)", meets: { _, _ in true },
               store: { try await Workloads.storeDurable(writers: 1, perWriter: 1_000) },
               raw: { Workloads.rawDurable(commits: 1_000) })
try await pair("durableAppend64Writers", unit: "commands/s", target: "store(64 writers) >= 20 x raw one-fsync-per-commit", meets: { ratio, _ in ratio >= 20 },
               store: { try await Workloads.storeDurable(writers: 64, perWriter: 500) },
               raw: { Workloads.rawDurable(commits: 1_000) })

let scanDir = Workloads.directory("scan")
if selected("fullScan") {
    log("building a log of \(scanEvents) events for the scan...")
    try await Workloads.buildLog(at: scanDir, events: scanEvents, streams: 10_000)
}
var memory: [MemoryGrowth] = []
try await pair("fullScan", unit: "events/s", target: "store >= 2,000,000 events/s decoding", meets: { _, store in store >= 2_000_000 },
               store: { let r = try Workloads.storeScan(at: scanDir); if counting { memory.append(r.memory) }; return r.eventsPerSecond },
               raw: { Workloads.rawScan(at: scanDir) })
Workloads.remove(scanDir)

let readDir = Workloads.directory("reads")
let readStreams = 10_000, readEvents = 100_000
if selected("randomStreamReads") { try await Workloads.buildLog(at: readDir, events: readEvents, streams: readStreams) }
try await pair("randomStreamReads", unit: "streams/s (10 events each)", target: "reported", meets: { _, _ in true },
               store: { try await Workloads.storeRandomReads(at: readDir, streams: readStreams, reads: 20_000, seed: 42) },
               raw: { Workloads.rawRandomReads(at: readDir, streams: readStreams, events: readEvents, reads: 20_000, seed: 42) })
Workloads.remove(readDir)

// The engine: warm cache from 256 callers, against raw LMDB's one-fsync-per-commit rate.
try await pair("engineWarm256Callers", unit: "commands/s", target: "engine >= 100,000 durable commands/s", meets: { _, store in store >= 100_000 },
               store: { try await Workloads.engineWarm(callers: 256, perCaller: 200) },
               raw: { Workloads.rawDurable(commits: 1_000) })
var coldReplayed: [Double] = []
try await pair("engineCold", unit: "commands/s (each replays a 20-event stream)", target: "reported", meets: { _, _ in true },
               store: { let r = try await Workloads.engineCold(streams: 5_000, history: 20, callers: 256); if counting { coldReplayed.append(r.eventsReplayed) }; return r.commands },
               raw: { Workloads.rawDurable(commits: 1_000) })

let projectionDir = Workloads.directory("projection")
if selected("projectionCatchUp") {
    log("building a log of \(scanEvents) events for the projection...")
    try await Workloads.buildLog(at: projectionDir, events: scanEvents, streams: 10_000)
}
try await pair("projectionCatchUp", unit: "events/s", target: "projection counting by type >= 1,000,000 events/s", meets: { _, store in store >= 1_000_000 },
               store: { try await Workloads.projectionCatchUp(at: projectionDir) },
               raw: { Workloads.rawScan(at: projectionDir) })
Workloads.remove(projectionDir)

// The read models of the dispute system (cases, rosters, archives), rebuilt from a log of labor cases.
let readModelDir = Workloads.directory("read-models")
var readModelEvents = 0
if selected("readModelRebuild") {
    log("building a log of about \(scanEvents) case events through the dispute desk...")
    let t0 = ContinuousClock.now
    readModelEvents = try await Workloads.buildCaseLog(at: readModelDir, events: scanEvents)
    log("built \(readModelEvents) events in \(ContinuousClock.now - t0)")
}
try await pair("readModelRebuild", unit: "events/s", target: "all read models rebuilt >= 500,000 events/s", meets: { _, store in store >= 500_000 },
               store: { try await Workloads.rebuildReadModels(at: readModelDir) },
               raw: { Workloads.rawScan(at: readModelDir) })
Workloads.remove(readModelDir)

struct Report: Codable {
    var runs: Int
    var scanEvents: Int
    var recordBytes: Int
    var payloadBytes: Int
    var figures: [String: Figure]
    var scanMemory: [MemoryGrowth]
    var scanPeakResidentGrowthMiBMedian: Double
    var scanAnonymousGrowthMiBMedian: Double
    var engineColdEventsReplayedPerSecondMedian: Double
}
let report = Report(
    runs: runs, scanEvents: scanEvents, recordBytes: Workloads.recordSize, payloadBytes: Workloads.payloadBytes,
    figures: figures, scanMemory: memory,
    scanPeakResidentGrowthMiBMedian: memory.isEmpty ? 0 : median(memory.map(\.peakResidentGrowthMiB)),
    scanAnonymousGrowthMiBMedian: memory.isEmpty ? 0 : median(memory.map(\.anonymousGrowthMiB)),
    engineColdEventsReplayedPerSecondMedian: coldReplayed.isEmpty ? 0 : median(coldReplayed))
let encoder = JSONEncoder()
encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
print(String(decoding: try encoder.encode(report), as: UTF8.self))


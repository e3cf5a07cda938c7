import DocketCore
import DocketLMDB
import Foundation

/// The benchmark workloads, each in two forms — through the Docket store and as raw LMDB calls
/// doing the same writes or reads — so that one run can report their ratio side by side.
public enum Workloads {
    public static let payloadBytes = 200

    /// A fresh directory under the system's temporary directory.
    public static func directory(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "docket-bench-\(name)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    public static func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

    static let payload: [UInt8] = (0..<payloadBytes).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }

    static func event(_ i: Int) -> NewEvent {
        NewEvent(type: "Benchmarked", payload: payload, occurredAt: Timestamp(millisecondsSinceEpoch: 1_767_571_200_000 + Int64(i)))
    }

    /// The size of one store record carrying a benchmark event, so raw LMDB writes the same bytes.
    public static var recordSize: Int {
        var buffer: [UInt8] = []
        RecordCodec.encode(RecordedEventFields(
            position: .first, stream: "bench-0", version: .first, type: "Benchmarked", schemaVersion: 1,
            payload: payload, occurredAt: Timestamp(millisecondsSinceEpoch: 0), recordedAt: Timestamp(millisecondsSinceEpoch: 0),
            metadata: CommandMetadata(actor: "bench"), commandID: nil, previousHash: .genesis), into: &buffer)
        return buffer.count
    }

    static func openStore(_ path: String, durability: LMDBEventStore.Durability = .fsyncEveryCommit) throws -> LMDBEventStore {
        var o = LMDBEventStore.Options()
        o.initialMapSize = 1 << 30
        o.durability = durability
        if let t = ProcessInfo.processInfo.environment["DOCKET_BENCH_FLUSH"].flatMap(Int.init) { o.indexFlushThreshold = t }
        return try LMDBEventStore(path: path, options: o)
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    // MARK: Batched appends

    /// Events per second for `batches` transactions of `perBatch` events, after `warmup` batches.
    public static func storeBatched(batches: Int, perBatch: Int, warmup: Int = 2) async throws -> Double {
        let dir = directory("batched-store")
        defer { remove(dir) }
        let store = try openStore(dir)
        let events = (0..<perBatch).map(event)
        let meta = CommandMetadata(actor: "bench")
        for _ in 0..<warmup { try await store.append(to: "bench-0", expected: .any, events: events, metadata: meta) }
        let start = ContinuousClock.now
        for _ in 0..<batches { try await store.append(to: "bench-0", expected: .any, events: events, metadata: meta) }
        let elapsed = seconds(ContinuousClock.now - start)
        await store.close()
        return Double(batches * perBatch) / elapsed
    }

    public static func rawBatched(batches: Int, perBatch: Int, warmup: Int = 2) -> Double {
        let dir = directory("batched-raw")
        defer { remove(dir) }
        let raw = RawLMDB(path: dir)
        let value = [UInt8](repeating: 0x5A, count: recordSize)
        var next: UInt64 = 0
        for _ in 0..<warmup { raw.appendBatch(start: next, count: perBatch, value: value); next += UInt64(perBatch) }
        let start = ContinuousClock.now
        for _ in 0..<batches { raw.appendBatch(start: next, count: perBatch, value: value); next += UInt64(perBatch) }
        return Double(batches * perBatch) / seconds(ContinuousClock.now - start)
    }

    // MARK: Durable appends, one event per command

    /// Commands per second: `writers` concurrent callers, each appending `perWriter` commands of one
    /// event to its own stream with an expected version and an idempotency key; every command durable.
    static let noKeys = ProcessInfo.processInfo.environment["DOCKET_BENCH_NO_KEYS"] != nil

    public static func storeDurable(writers: Int, perWriter: Int) async throws -> Double {
        let dir = directory("durable-store")
        defer { remove(dir) }
        let store = try openStore(dir)
        // Warm the file's pages (a fresh LMDB file writes several times slower).
        for i in 0..<200 { try await store.append(to: "warm", expected: .any, events: [event(i)], metadata: CommandMetadata(actor: "bench")) }
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<writers {
                group.addTask {
                    let stream = StreamID(verbatim: "writer-\(w)")
                    for i in 0..<perWriter {
                        try await store.append(
                            to: stream, expected: .exact(StreamVersion(UInt64(i))), events: [event(i)],
                            metadata: CommandMetadata(actor: "bench"), idempotencyKey: noKeys ? nil : "w\(w)-c\(i)")
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = seconds(ContinuousClock.now - start)
        let st = store.writeStatistics
        if ProcessInfo.processInfo.environment["DOCKET_BENCH_VERBOSE"] != nil {
            FileHandle.standardError.write(Data("  writers=\(writers) commits=\(st.commits) avgBatch=\(String(format: "%.1f", st.averageBatch)) largest=\(st.largestBatch) build=\(st.buildTime) gather=\(st.gatherTime) commit=\(st.commitTime) per-commit=\(st.commitTime / Int(max(1, st.commits)))\n".utf8))
        }
        await store.close()
        return Double(writers * perWriter) / elapsed
    }

    /// Commits per second: one event per transaction, each committed with fsync.
    public static func rawDurable(commits: Int) -> Double {
        let dir = directory("durable-raw")
        defer { remove(dir) }
        let raw = RawLMDB(path: dir)
        let value = [UInt8](repeating: 0x5A, count: recordSize)
        for i in 0..<200 { raw.appendBatch(start: UInt64(i), count: 1, value: value) }
        let start = ContinuousClock.now
        for i in 0..<commits { raw.appendBatch(start: UInt64(200 + i), count: 1, value: value) }
        return Double(commits) / seconds(ContinuousClock.now - start)
    }

    // MARK: Full scan

    /// Builds a log of `events` events over `streams` streams (round robin, batches of 10,000, no fsync).
    public static func buildLog(at dir: String, events: Int, streams: Int) async throws {
        let store = try openStore(dir, durability: .noFsyncMayLoseRecentCommitsOnPowerLoss)
        let meta = CommandMetadata(actor: "bench")
        var written = 0
        while written < events {
            let n = min(10_000, events - written)
            // One request per stream touched by this batch, each with its events in order.
            var perStream: [Int: [NewEvent]] = [:]
            for i in written..<(written + n) { perStream[i % streams, default: []].append(event(i)) }
            let request = AppendRequest(
                streams: perStream.keys.sorted().map { StreamAppend(stream: StreamID(verbatim: "bench-\($0)"), expected: .any, events: perStream[$0]!) },
                metadata: meta)
            try await store.append(request)
            written += n
        }
        try await store.flush()
        await store.close()
    }

    /// Events per second decoding every record of the log at `dir`, and the scan's memory figures.
    public static func storeScan(at dir: String) throws -> (eventsPerSecond: Double, events: Int, memory: MemoryGrowth) {
        let store = try openStore(dir)
        var n = 0
        var bytes = 0
        let probe = MemoryProbe()
        let start = ContinuousClock.now
        try store.scan(after: .beforeFirst) { e in
            n += 1
            bytes &+= e.payload.count
        }
        let elapsed = seconds(ContinuousClock.now - start)
        let memory = probe.growth()
        sink(bytes)
        return (Double(n) / elapsed, n, memory)
    }

    public static func rawScan(at dir: String) -> Double {
        let raw = RawLMDB(path: dir, readOnly: true)
        let start = ContinuousClock.now
        let n = raw.scan()
        return Double(n) / seconds(ContinuousClock.now - start)
    }

    // MARK: Random stream reads

    /// Streams per second reading whole random streams of a log built with `streams` round robin.
    public static func storeRandomReads(at dir: String, streams: Int, reads: Int, seed: UInt64) async throws -> Double {
        let store = try openStore(dir)
        var rng = SplitMix64(seed: seed)
        var total = 0
        let start = ContinuousClock.now
        for _ in 0..<reads {
            let s = Int(rng.next() % UInt64(streams))
            total += try await store.readStream(StreamID(verbatim: "bench-\(s)"), from: .first, direction: .forward, limit: 1_000).count
        }
        let elapsed = seconds(ContinuousClock.now - start)
        sink(total)
        return Double(reads) / elapsed
    }

    /// The same reads as raw gets of each stream's record positions (known from the round-robin layout).
    public static func rawRandomReads(at dir: String, streams: Int, events: Int, reads: Int, seed: UInt64) -> Double {
        let raw = RawLMDB(path: dir, readOnly: true)
        var rng = SplitMix64(seed: seed)
        var total = 0
        let start = ContinuousClock.now
        for _ in 0..<reads {
            let s = Int(rng.next() % UInt64(streams))
            let keys = stride(from: s, to: events, by: streams).map { UInt64($0 + 1) }
            total += raw.get(keys)
        }
        let elapsed = seconds(ContinuousClock.now - start)
        sink(total)
        return Double(reads) / elapsed
    }
}

/// A deterministic random number generator for repeatable read patterns.
public struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Memory growth over a phase, read from /proc/self/status. `anonymous` is the process's own heap
/// and stacks; `file` is pages of the memory-mapped LMDB file, which the kernel can drop at will.
public struct MemoryGrowth: Codable, Sendable {
    public var peakResidentGrowthMiB: Double
    public var anonymousGrowthMiB: Double
    public var fileMappedGrowthMiB: Double
}

public struct MemoryProbe {
    let before: [String: Double]

    public init() {
        // Reset the peak (VmHWM) to the current resident size, so the phase's own peak is measured.
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
        before = Self.read()
    }

    public func growth() -> MemoryGrowth {
        let after = Self.read()
        func mib(_ key: String, from: [String: Double]) -> Double { (from[key] ?? 0) / 1024 }
        return MemoryGrowth(
            peakResidentGrowthMiB: mib("VmHWM", from: after) - mib("VmRSS", from: before),
            anonymousGrowthMiB: mib("RssAnon", from: after) - mib("RssAnon", from: before),
            fileMappedGrowthMiB: mib("RssFile", from: after) - mib("RssFile", from: before))
    }

    static func read() -> [String: Double] {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return [:] }
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let value = parts[1].trimmingCharacters(in: .whitespaces).split(separator: " ").first.flatMap { Double($0) }
            if let value { out[String(parts[0])] = value }
        }
        return out
    }
}

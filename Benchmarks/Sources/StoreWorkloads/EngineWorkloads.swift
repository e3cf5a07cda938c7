import DocketCore
import DocketEngine
import DocketLMDB
import Foundation
import Synchronization

/// A small workflow for the engine benchmarks: a tally that adds amounts, closed at a limit.
public struct Tally: Workflow {
    public enum Command: Codable, Sendable { case add(Int) }
    public enum Event: Sendable { case added(Int) }
    public enum Rejection: Error, Sendable { case negative }
    struct Added: Codable { var amount: Int }

    public var name: String { "tally" }
    public var definitionVersion: UInt32 { 1 }
    public var initialState: Int { 0 }
    public init() {}

    public func decide(_ command: Command, state: Int, context: DecisionContext) throws(Rejection) -> [Event] {
        switch command {
        case .add(let n):
            guard n >= 0 else { throw .negative }
            return [.added(n)]
        }
    }

    public func evolve(_ state: Int, _ event: Event) -> Int {
        switch event {
        case .added(let n): state + n
        }
    }

    public var codec: EventCodec<Event> { Tally.sharedCodec }
    static let sharedCodec = EventCodec<Event> { e in
        switch e {
        case .added(let n): try .binary("tally.added", Added(amount: n))
        }
    }
    .decoding("tally.added", as: Added.self) { .added($0.amount) }
}

extension Workloads {
    /// `callers` concurrent tasks, each sending `perCaller` commands to its own stream.
    static func sendCommands(_ engine: WorkflowEngine<Tally>, callers: Int, perCaller: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for c in 0..<callers {
                group.addTask {
                    let stream = StreamID(verbatim: "tally-\(c)")
                    for i in 0..<perCaller {
                        _ = try await engine.handle(.add(i), for: stream, commandID: "c\(c)-\(i)", actor: "bench")
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Durable commands per second through the engine (load from a warm cache, decide, encode,
    /// append with the expected version and an idempotency key), from `callers` concurrent callers
    /// each on its own stream.
    public static func engineWarm(callers: Int, perCaller: Int) async throws -> Double {
        let dir = directory("engine-warm")
        defer { remove(dir) }
        let store = try openStore(dir, durability: ProcessInfo.processInfo.environment["DOCKET_BENCH_NOSYNC"] != nil ? .noFsyncMayLoseRecentCommitsOnPowerLoss : .fsyncEveryCommit)
        let engine = try WorkflowEngine(workflow: Tally(), store: store)
        // Warm the file and the cache: every stream started and cached.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for c in 0..<callers {
                group.addTask { _ = try await engine.handle(.add(1), for: StreamID(verbatim: "tally-\(c)"), commandID: "warm-\(c)", actor: "bench") }
            }
            try await group.waitForAll()
        }
        let start = ContinuousClock.now
        try await sendCommands(engine, callers: callers, perCaller: perCaller)
        let elapsed = seconds(ContinuousClock.now - start)
        if ProcessInfo.processInfo.environment["DOCKET_BENCH_VERBOSE"] != nil {
            let st = store.writeStatistics
            FileHandle.standardError.write(Data("  engine callers=\(callers) elapsed=\(elapsed) commits=\(st.commits) avgBatch=\(String(format: "%.1f", st.averageBatch)) largest=\(st.largestBatch) build=\(st.buildTime) gather=\(st.gatherTime) commit=\(st.commitTime) per-commit=\(st.commitTime / Int(max(1, st.commits)))\n".utf8))
        }
        await store.close()
        return Double(callers * perCaller) / elapsed
    }

    /// Durable commands per second when every stream must be replayed first (an empty cache):
    /// `streams` streams of `history` events each, one command per stream from `callers` callers.
    /// Returns commands/s and events replayed/s.
    public static func engineCold(streams: Int, history: Int, callers: Int) async throws -> (commands: Double, eventsReplayed: Double) {
        let dir = directory("engine-cold")
        defer { remove(dir) }
        do {
            let store = try openStore(dir, durability: .noFsyncMayLoseRecentCommitsOnPowerLoss)
            let engine = try WorkflowEngine(workflow: Tally(), store: store)
            for round in 0..<history {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for c in 0..<callers {
                        group.addTask {
                            var s = c
                            while s < streams {
                                _ = try await engine.handle(.add(round), for: StreamID(verbatim: "tally-\(s)"), commandID: "h\(s)-\(round)", actor: "bench")
                                s += callers
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            await store.close()
        }
        let store = try openStore(dir)
        let engine = try WorkflowEngine(workflow: Tally(), store: store)  // empty cache
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for c in 0..<callers {
                group.addTask {
                    var s = c
                    while s < streams {
                        _ = try await engine.handle(.add(1), for: StreamID(verbatim: "tally-\(s)"), commandID: "cold-\(s)", actor: "bench")
                        s += callers
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = seconds(ContinuousClock.now - start)
        await store.close()
        // Each stream holds its start event and `history` events.
        return (Double(streams) / elapsed, Double(streams * (history + 1)) / elapsed)
    }

    /// Events per second for a projection that counts events by type, caught up from zero over the
    /// log at `dir` (rows and checkpoint committed with fsync every batch).
    public static func projectionCatchUp(at dir: String) async throws -> Double {
        let store = try openStore(dir)
        if ProcessInfo.processInfo.environment["DOCKET_BENCH_VERBOSE"] != nil {
            var p = LogPosition.beforeFirst
            var n = 0
            let t0 = ContinuousClock.now
            while true {
                let page = try await store.readLog(after: p, limit: 8_192)
                guard let last = page.last else { break }
                n += page.count
                p = last.position
            }
            let t1 = ContinuousClock.now
            _ = try store.scan(after: .beforeFirst) { _ in n += 0 }
            let t2 = ContinuousClock.now
            FileHandle.standardError.write(Data("  readLog pages: \(Int(Double(n) / seconds(t1 - t0))) events/s; scan: \(Int(Double(n) / seconds(t2 - t1))) events/s\n".utf8))
        }
        let name = "bench-\(UUID().uuidString.prefix(8))"
        let projection: any Projection = ProcessInfo.processInfo.environment["DOCKET_BENCH_PAYLOADS"] != nil
            ? CountWithPayloads(name: name) : EventTypeCounter(name: name)
        let runner = try ProjectionRunner(store: store, projections: [projection])
        let start = ContinuousClock.now
        let n = try await runner.catchUp()
        let elapsed = seconds(ContinuousClock.now - start)
        let counts = try await EventTypeCounter.counts(in: store, name: name)
        precondition(counts.values.reduce(0, +) == Int64(n), "the projection counted every event")
        await store.close()
        return Double(n) / elapsed
    }
}

/// A store that appends nothing: it answers each append at once with the next versions, so that the
/// engine's own cost per command (caller side, no I/O, no writer) can be measured.
final class NullStore: EventStore, TimerStore {
    private let heads = Mutex<[StreamID: UInt64]>([:])
    private let position = Mutex<UInt64>(0)
    let prepare: Bool
    init(prepare: Bool) { self.prepare = prepare }

    func append(_ request: AppendRequest) async throws -> AppendResult {
        if prepare { _ = PreparedAppend(request) }
        let s = request.streams[0]
        let n = UInt64(s.events.count)
        let v = heads.withLock { h in
            let v = h[s.stream, default: 0]
            h[s.stream] = v + n
            return v
        }
        let p = position.withLock { p in
            p += n
            return p
        }
        return AppendResult(
            firstPosition: LogPosition(p - n + 1), lastPosition: LogPosition(p),
            streams: [.init(stream: s.stream, firstVersion: StreamVersion(v + 1), lastVersion: StreamVersion(v + n))], isReplay: false)
    }
    func readStream(_ stream: StreamID, from version: StreamVersion, direction: ReadDirection, limit: Int) async throws -> [RecordedEvent] { [] }
    func readLog(after position: LogPosition, limit: Int) async throws -> [RecordedEvent] { [] }
    func lastPosition() async throws -> LogPosition { LogPosition(position.withLock { $0 }) }
    func appendResult(forIdempotencyKey key: String) async throws -> AppendResult? { nil }
    func head(of stream: StreamID) async throws -> StreamHead? { nil }
    func waitForEvents(after position: LogPosition) async throws {}
    func verify() async throws -> VerificationReport { fatalError("not for benchmarks") }
    func updateTimers(_ operations: [TimerOperation]) async throws {}
    func dueTimers(until instant: Timestamp, limit: Int) async throws -> [ScheduledTimer] { [] }
    func timer(_ id: TimerID) async throws -> ScheduledTimer? { nil }
    func timerCount() async throws -> Int { 0 }
}

extension Workloads {
    /// Commands per second through the engine over a store that does nothing: the engine's CPU cost.
    public static func engineCPU(callers: Int, perCaller: Int, prepare: Bool) async throws -> Double {
        let engine = try WorkflowEngine(workflow: Tally(), store: NullStore(prepare: prepare))
        let start = ContinuousClock.now
        try await sendCommands(engine, callers: callers, perCaller: perCaller)
        return Double(callers * perCaller) / seconds(ContinuousClock.now - start)
    }

    /// JSON encodings per second of the Tally event.
    public static func encodeRate(_ n: Int) throws -> Double {
        let start = ContinuousClock.now
        var bytes = 0
        for i in 0..<n { bytes &+= try Tally.sharedCodec.encode(.added(i)).payload.count }
        sink(bytes)
        return Double(n) / seconds(ContinuousClock.now - start)
    }
}

/// `EventTypeCounter` fed with payloads, to measure what skipping them saves.
struct CountWithPayloads: Projection {
    let inner: EventTypeCounter
    init(name: String) { inner = EventTypeCounter(name: name) }
    var name: String { inner.name }
    var eventTypes: Set<String>? { nil }
    var needsPayloads: Bool { true }
    func apply(_ event: RecordedEvent, to rows: inout ProjectionRows) throws { try inner.apply(event, to: &rows) }
}

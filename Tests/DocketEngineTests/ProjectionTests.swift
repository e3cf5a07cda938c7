import DocketCore
@testable import DocketEngine
import DocketLMDB
import DocketTesting
import Foundation
import PropertyBased
import Synchronization
import Testing

func lmdbStore(_ dir: TemporaryDirectory, clock: ManualClock = ManualClock()) throws -> LMDBEventStore {
    var options = LMDBEventStore.Options()
    options.clock = clock
    options.initialMapSize = 1 << 20
    options.indexFlushThreshold = 9
    return try LMDBEventStore(path: dir.path, options: options)
}

/// Counts events by type straight from the log.
func countByType(_ store: any EventStore) async throws -> [String: Int64] {
    var out: [String: Int64] = [:]
    for e in try await store.readLog(after: .beforeFirst, limit: 1_000_000) { out[e.type, default: 0] += 1 }
    return out
}

/// A projection that handles only some types: the number of increments per stream.
struct IncrementsPerStream: Projection {
    var name = "increments"
    var eventTypes: Set<String>? { ["counter.incremented"] }
    func apply(_ event: RecordedEvent, to rows: inout ProjectionRows) throws {
        try rows.add(1, to: Array(event.stream.rawValue.utf8))
    }
}

@Suite("Projection runner")
struct ProjectionRunnerTests {
    @Test("catches up, follows increments, reports lag, rebuilds and swaps")
    func lifecycle() async throws {
        let dir = TemporaryDirectory()
        let store = try lmdbStore(dir)
        let engine = try WorkflowEngine(workflow: Counter(), store: store)
        for i in 0..<50 { _ = try await engine.handle(i % 7 == 6 ? .close : .increment(by: 1), for: .test("c-\(i % 5)"), commandID: "\(i)", actor: "a") }
        var options = ProjectionRunner.Options()
        options.batchSize = 16
        let runner = try ProjectionRunner(store: store, projections: [EventTypeCounter(), IncrementsPerStream()], options: options)
        #expect(try await runner.lag().allSatisfy { $0.events > 0 })
        try await runner.catchUp()
        #expect(try await runner.lag().allSatisfy { $0.events == 0 })
        #expect(try await EventTypeCounter.counts(in: store) == countByType(store))
        for i in 50..<80 { _ = try await engine.handle(.increment(by: 1), for: .test("d-\(i % 3)"), commandID: "\(i)", actor: "a") }
        try await runner.catchUp()
        let live = try await EventTypeCounter.counts(in: store)
        #expect(live == (try await countByType(store)))
        try await runner.rebuild("event-types")
        #expect(try await EventTypeCounter.counts(in: store) == live)
        #expect(try await store.projectionStatus("event-types").generation == 1)
        let perStream = try await store.readProjection("increments", slot: .live) { try $0.value(for: Array("d-0".utf8)) }
        #expect(perStream.flatMap(ProjectionRows.counterValue) == 10)
        await #expect(performing: { try await runner.rebuild("nope") }, throws: { ($0 as? DocketError)?.code == .invalidArgument })
        // A list with an unknown name starts nothing.
        await #expect(performing: { try await runner.rebuild(["event-types", "nope"]) }, throws: { ($0 as? DocketError)?.code == .invalidArgument })
        let untouched = try await store.projectionStatus("event-types")
        #expect(untouched.rebuildCheckpoint == nil && untouched.generation == 1)
        await store.close()
    }

    @Test("a batch's row changes come out in LMDB's key order: byte-wise, a prefix before its extensions")
    func writesInKeyOrder() throws {
        struct NoRows: ProjectionRowReader {
            func value(for key: [UInt8]) throws -> [UInt8]? { nil }
            func forEach(from start: [UInt8]?, _ body: ([UInt8], [UInt8]) throws -> Bool) throws {}
        }
        var rows = ProjectionRows(reader: NoRows(), expectedChanges: 8)
        let keys: [[UInt8]] = [[0xFF], [1, 3], [1, 2, 0], [1, 2], [0], [1, 2, 0xFF, 0], Array("case-10\u{0}".utf8), Array("case-1\u{0}".utf8)]
        for k in keys { rows.set(k, [1]) }
        rows.delete([1, 2])
        #expect(rows.writes.map(\.key) == keys.sorted { $0.lexicographicallyPrecedes($1) })
        #expect(rows.writes.first { $0.key == [1, 2] }?.value == .some(nil))
    }

    @Test("any keys come out in LMDB's key order, however long the prefixes they share")
    func writesInKeyOrderProperty() async {
        // Bytes from a four-letter alphabet with its extremes (0 and 0xFF), keys of 1 to 40 bytes:
        // many keys share their first 16 bytes, which the sort compares as integers first.
        let alphabet: [UInt8] = [0, 1, 0x7F, 0xFF]
        await propertyCheck(count: 200, input: Gen.int(in: 0...3).array(of: 1...40).array(of: 1...60)) { keys in
            struct NoRows: ProjectionRowReader {
                func value(for key: [UInt8]) throws -> [UInt8]? { nil }
                func forEach(from start: [UInt8]?, _ body: ([UInt8], [UInt8]) throws -> Bool) throws {}
            }
            var rows = ProjectionRows(reader: NoRows())
            let bytes = keys.map { $0.map { alphabet[$0] } }
            for k in bytes { rows.set(k, k) }
            let expected = Array(Set(bytes)).sorted { $0.lexicographicallyPrecedes($1) }
            #expect(rows.writes.map(\.key) == expected)
            #expect(rows.writes.allSatisfy { $0.value == $0.key })
        }
    }

    @Test("keys set in runs already in order, and keys set again, come out in key order with their last value")
    func writesInKeyOrderFromRuns() async {
        // Rows are kept in the order first set; the sort takes runs already in order as they are.
        // Two interleaved runs (a read model's record rows and index rows), a descending one, and
        // keys set again with another value.
        await propertyCheck(count: 100, input: Gen.int(in: 0...999).array(of: 1...80)) { numbers in
            struct NoRows: ProjectionRowReader {
                func value(for key: [UInt8]) throws -> [UInt8]? { nil }
                func forEach(from start: [UInt8]?, _ body: ([UInt8], [UInt8]) throws -> Bool) throws {}
            }
            var rows = ProjectionRows(reader: NoRows())
            var last: [[UInt8]: [UInt8]] = [:]
            func set(_ key: [UInt8], _ value: [UInt8]) {
                rows.set(key, value)
                last[key] = value
            }
            let sorted = numbers.sorted()
            for n in sorted {
                set(Array("rec/\(n)".utf8), [1])
                set(Array("case/\(1_000 + n)".utf8), [2])
            }
            for n in sorted.reversed() { set(Array("down/\(n)".utf8), [3]) }
            for n in numbers.prefix(10) { set(Array("rec/\(n)".utf8), [4]) }
            var deleted = Set<[UInt8]>()
            for n in numbers.suffix(5) {
                rows.delete(Array("case/\(1_000 + n)".utf8))
                deleted.insert(Array("case/\(1_000 + n)".utf8))
            }
            let expected = last.keys.sorted { $0.lexicographicallyPrecedes($1) }
            #expect(rows.writes.map(\.key) == expected)
            #expect(rows.writes.allSatisfy { $0.value == (deleted.contains($0.key) ? nil : last[$0.key]) })
            #expect(last.keys.allSatisfy { (try? rows.value(for: $0)) == (deleted.contains($0) ? nil : last[$0]) })
        }
    }

    /// A reader whose every row is `[0xEE]`: a change found in the rows must hide it.
    struct EveryRow: ProjectionRowReader {
        func value(for key: [UInt8]) throws -> [UInt8]? { [0xEE] }
        func forEach(from start: [UInt8]?, _ body: ([UInt8], [UInt8]) throws -> Bool) throws {}
    }

    /// Random row changes: keys of 1 to 24 bytes from a small alphabet (so that some repeat), values
    /// of 0 to 200 bytes (on both sides of the size the rows copy), and deletes.
    static func changes(_ numbers: [Int]) -> [(key: [UInt8], value: [UInt8]?)] {
        numbers.enumerated().map { i, n in
            let key = (0...(n % 24)).map { UInt8(($0 * 7 + n / 24) % 5) }
            let value: [UInt8]? = n % 11 == 0 ? nil : [UInt8](repeating: UInt8(i % 251), count: (n * 13) % 201)
            return (key, value)
        }
    }

    @Test("rows set from memory the caller holds read back, sort and commit as rows set from arrays, small values and large")
    func rowsFromMemory() async {
        await propertyCheck(count: 100, input: Gen.int(in: 0...9_999).array(of: 1...150)) { numbers in
            // A table sized for two changes, so that it grows several times.
            var arrays = ProjectionRows(reader: EveryRow(), expectedChanges: 2)
            var memory = ProjectionRows(reader: EveryRow(), expectedChanges: 2)
            var last: [[UInt8]: [UInt8]?] = [:]
            // Keys of 17 to 20 bytes sharing their first 16, differing only after them.
            let long = numbers.prefix(20).map { n in (Array("rows/shared-pref".utf8) + (0...(n % 4)).map { UInt8(($0 + n) % 3) }, [UInt8(n % 256)] as [UInt8]?) }
            for (k, (key, value)) in (Self.changes(numbers) + long).enumerated() {
                if let value {
                    arrays.set(key, value)
                    // From memory, or the key from memory and the value as an array.
                    if k % 2 == 0 {
                        key.withUnsafeBytes { k in value.withUnsafeBytes { memory.set(key: k, value: $0) } }
                    } else {
                        key.withUnsafeBytes { memory.set(key: $0, value) }
                    }
                } else {
                    arrays.delete(key)
                    memory.delete(key)
                }
                last[key] = .some(value)
            }
            let expected = last.keys.sorted { $0.lexicographicallyPrecedes($1) }.map { ProjectionWrite(key: $0, value: last[$0]!) }
            #expect(arrays.writes == expected)
            #expect(memory.writes == expected)
            #expect(arrays.changeCount == last.count && memory.changeCount == last.count)
            for (key, value) in last {
                #expect((try? arrays.value(for: key)) == value, "a deleted row reads as missing, not as the reader's")
                #expect((try? memory.value(for: key)) == value)
            }
            #expect((try? arrays.value(for: [9, 9])) == [0xEE], "a row not changed is read from the reader")
            // The next batch reads them before the stored rows, under its own changes.
            var next = ProjectionRows(reader: EveryRow(), over: memory.pendingRows, expectedChanges: 0)
            let changedAgain = Array(last.keys.prefix(3))
            for key in changedAgain { next.set(key, [7]) }
            for (key, value) in last {
                #expect((try? next.value(for: key)) == (changedAgain.contains(key) ? [7] : value))
            }
        }
    }

    @Test("a batch's changes committed as held give the rows an array of writes gives: appended past the last key, put among the stored ones, deleted")
    func commitAsHeld() async throws {
        let dir = TemporaryDirectory("docket-commit-held")
        let store = try lmdbStore(dir)
        // The runner hands the LMDB store its changes as held.
        #expect((store as Any) is any PendingRowsCommitting)
        var initial = ProjectionRows(reader: EveryRow())
        // Stored rows to put among, replace and delete; the last one, `k1190`, is set again.
        for n in stride(from: 0, to: 200, by: 10) { initial.set(Array("k\(1_000 + n)".utf8), [UInt8](repeating: 1, count: n)) }
        for name in ["held", "array"] {
            try await store.commitProjection(ProjectionCommit(name: name, slot: .live, expected: .beforeFirst, checkpoint: LogPosition(1), writes: initial.writes))
        }
        var rows = ProjectionRows(reader: EveryRow())
        var expected: [[UInt8]: [UInt8]] = Dictionary(uniqueKeysWithValues: initial.writes.map { ($0.key, $0.value!) })
        func set(_ key: [UInt8], _ value: [UInt8]?) {
            if let value { rows.set(key, value) } else { rows.delete(key) }
            expected[key] = value
        }
        for n in 0..<300 {
            set(Array("k\(1_000 + n * 3)".utf8), n % 7 == 0 ? nil : [UInt8](repeating: UInt8(n % 256), count: n % 150))
        }
        set(Array("k1190".utf8), [9, 9])
        set(Array("k1180".utf8), nil)
        // Keys past 16 bytes that share their first 16, among the stored ones and past the last.
        for n in 0..<6 {
            set(Array("k1150-long-key/x\(n % 3)\(n)".utf8), [UInt8(n)])
            set(Array("k9999-long-key/x\(n % 3)\(n)".utf8), [UInt8](repeating: UInt8(n), count: 100))
        }
        let held = ProjectionCommit(name: "held", slot: .live, expected: LogPosition(1), checkpoint: LogPosition(2), writes: [])
        try await store.commitProjection(held, rows: rows.pendingRows.sorted())
        try await store.commitProjection(ProjectionCommit(name: "array", slot: .live, expected: LogPosition(1), checkpoint: LogPosition(2), writes: rows.writes))
        for name in ["held", "array"] {
            let stored = try await store.readProjection(name, slot: .live) { reader in
                var out: [[UInt8]: [UInt8]] = [:]
                var keys: [[UInt8]] = []
                try reader.forEach(from: nil) { k, v in
                    out[k] = v
                    keys.append(k)
                    return true
                }
                #expect(keys == keys.sorted { $0.lexicographicallyPrecedes($1) }, "\(name): in LMDB's order")
                return out
            }
            #expect(stored == expected, "\(name)")
            #expect(try await store.projectionStatus(name).checkpoint == LogPosition(2))
        }
        // Keys and values out of bounds are refused before the store is asked, as in an array of writes.
        for (key, value) in [([UInt8](), [UInt8]([1])), ([UInt8](repeating: 0x41, count: 481), [1]), ([1], [UInt8](repeating: 0, count: (16 << 20) + 1))] {
            var bad = ProjectionRows(reader: EveryRow())
            bad.set(Array("k0".utf8), [1])
            bad.set(key, value)
            #expect(throws: DocketError.self) { try bad.pendingRows.sorted() }
            await #expect(throws: DocketError.self) {
                try await store.commitProjection(ProjectionCommit(name: "array", slot: .live, expected: LogPosition(2), checkpoint: LogPosition(3), writes: bad.writes))
            }
        }
        await store.close()
    }

    @Test("a projection that writes a key out of bounds fails its batch with a typed error, and its checkpoint stays")
    func runnerRefusesBadKey() async throws {
        struct LongKeys: Projection {
            var name: String { "long-keys" }
            var eventTypes: Set<String>? { nil }
            func apply(_ event: RecordedEvent, to rows: inout ProjectionRows) throws {
                rows.set(Array("fine".utf8), [1])
                if event.position == LogPosition(3) { rows.set([UInt8](repeating: 0x41, count: 481), [1]) }
            }
        }
        let dir = TemporaryDirectory("docket-bad-key")
        let store = try lmdbStore(dir)
        for n in 0..<5 {
            try await store.append(to: StreamID(verbatim: "s-\(n)"), expected: .any, events: [Fixtures.event()], metadata: Fixtures.metadata)
        }
        let runner = try ProjectionRunner(store: store, projections: [LongKeys()])
        await #expect(performing: { _ = try await runner.catchUp("long-keys") }, throws: { ($0 as? DocketError)?.code == .invalidArgument })
        #expect(try await store.projectionStatus("long-keys").checkpoint == .beforeFirst)
        #expect(try await store.readProjection("long-keys", slot: .live) { try $0.value(for: Array("fine".utf8)) } == nil)
        await store.close()
    }

    @Test("follows new events live as a service")
    func live() async throws {
        let store = InMemoryEventStore(pollInterval: .milliseconds(20))
        let runner = try ProjectionRunner(store: store, projections: [EventTypeCounter()])
        let task = Task { try await runner.run() }
        for i in 0..<20 { try await store.append(to: .test("s"), expected: .any, events: [Fixtures.event("T\(i % 3)")], metadata: Fixtures.metadata) }
        var waited = 0
        while try await runner.lag().first?.events != 0, waited < 500 {
            try await Task.sleep(for: .milliseconds(10))
            waited += 1
        }
        task.cancel()
        try await task.value
        #expect(try await EventTypeCounter.counts(in: store) == ["T0": 7, "T1": 7, "T2": 6])
    }

    /// Random histories, catch-ups interleaved with appends and commits failing before or after
    /// they reach the store: the live projection equals one rebuilt from zero and a count of the log.
    @Test("a projection rebuilt from zero equals the live one, through failed commits")
    func rebuildEqualsLive() async {
        await propertyCheck(count: 15, input: Gen.int(in: 0...999).array(of: 1...80), Gen.uint64(in: 1...UInt64.max)) { ops, seed in
            let dir = TemporaryDirectory()
            let lmdb = try lmdbStore(dir)
            let store = FaultyStore(lmdb, seed: seed, percent: 25)
            var options = ProjectionRunner.Options()
            options.batchSize = 1 + Int(seed % 11)
            let runner = try ProjectionRunner(store: store, projections: [EventTypeCounter(), IncrementsPerStream(name: "per-stream")], options: options)
            for (i, op) in ops.enumerated() {
                if op % 5 == 0 {
                    _ = try? await runner.catchUp()
                } else {
                    let type = op % 3 == 0 ? "counter.incremented" : "other.\(op % 4)"
                    try await lmdb.append(to: .test("s-\(op % 4)"), expected: .any, events: [Fixtures.event(type, "\(i)")], metadata: Fixtures.metadata)
                }
            }
            store.setFaults(percent: 0)
            try await runner.catchUp()
            let live = try await EventTypeCounter.counts(in: lmdb)
            #expect(live == (try await countByType(lmdb)))
            let perStreamLive = try await lmdb.allRows("per-stream")
            try await runner.rebuild(["event-types", "per-stream"])  // both at once
            #expect(try await EventTypeCounter.counts(in: lmdb) == live)
            #expect(try await lmdb.allRows("per-stream") == perStreamLive)
            await lmdb.close()
        }
    }
}

extension ProjectionRunnerTests {
    @Test("several projections rebuilt in one pass over the log: appends during the rebuild are caught up, a failed commit leaves the live rows, a retry succeeds")
    func rebuildSeveralInOnePass() async throws {
        let dir = TemporaryDirectory()
        let lmdb = try lmdbStore(dir)
        let store = FaultyStore(lmdb, seed: 7, percent: 0)
        var options = ProjectionRunner.Options()
        options.batchSize = 7
        let runner = try ProjectionRunner(store: store, projections: [EventTypeCounter(), IncrementsPerStream(name: "per-stream")], options: options)
        func append(_ n: Int) async throws {
            for i in 0..<n {
                let type = i % 3 == 0 ? "counter.incremented" : "other.\(i % 4)"
                try await lmdb.append(to: .test("s-\(i % 5)"), expected: .any, events: [Fixtures.event(type, "\(i)")], metadata: Fixtures.metadata)
            }
        }
        try await append(200)
        try await runner.catchUp()
        let liveCounts = try await EventTypeCounter.counts(in: lmdb)
        let livePerStream = try await lmdb.allRows("per-stream")

        // Commits fail now and then: the rebuild stops with the error; the live rows are untouched.
        store.setFaults(percent: 60)
        await #expect(throws: (any Error).self) { try await runner.rebuild(["event-types", "per-stream", "event-types"]) }
        store.setFaults(percent: 0)
        #expect(try await EventTypeCounter.counts(in: lmdb) == liveCounts)
        #expect(try await lmdb.allRows("per-stream") == livePerStream)

        // Appends while the rebuild runs are in the rows it swaps in.
        async let more: Void = append(150)
        try await runner.rebuild(["per-stream", "event-types"])
        try await more
        try await runner.catchUp()
        #expect(try await EventTypeCounter.counts(in: lmdb) == (try await countByType(lmdb)))
        var perStream: [String: Int64] = [:]
        for e in try await lmdb.readLog(after: .beforeFirst, limit: 10_000) where e.type == "counter.incremented" { perStream[e.stream.rawValue, default: 0] += 1 }
        let rows = try await lmdb.allRows("per-stream")
        #expect(Dictionary(uniqueKeysWithValues: rows.map { (String(decoding: $0.key, as: UTF8.self), ProjectionRows.counterValue($0.value)!) }) == perStream)
        #expect(try await lmdb.projectionStatus("per-stream").rebuildCheckpoint == nil)
        await lmdb.close()
    }
}

extension ProjectionRunnerTests {
    /// Reads of a synthetic log of `events` positions in batches of `size`, counting the reads and
    /// how far they ran ahead of the slowest consumer.
    final class SyntheticLog: Sendable {
        struct State { var reads: [UInt64] = []; var slowest = 0; var maxAhead = 0 }
        let state = Mutex(State())
        let events: UInt64, size: UInt64
        init(events: UInt64, size: UInt64) { self.events = events; self.size = size }

        func read(after p: LogPosition) -> EventBatch {
            state.withLock { s in
                s.reads.append(p.value)
                s.maxAhead = max(s.maxAhead, s.reads.count - s.slowest)
            }
            let first = p.value + 1, last = min(events, p.value + size)
            guard first <= last else { return EventBatch(events: []) }
            return EventBatch(events: (first...last).map { n in
                RecordedEvent(
                    position: LogPosition(n), stream: .test("s"), version: StreamVersion(n), type: "t", schemaVersion: 1, payload: [],
                    occurredAt: Timestamp(millisecondsSinceEpoch: 0), recordedAt: Timestamp(millisecondsSinceEpoch: 0),
                    metadata: CommandMetadata(actor: "a"), commandID: nil, previousHash: .genesis, hash: .genesis)
            })
        }
    }

    @Test("one pass for several consumers: every batch read once, each consumer sees every event in order, a fast one waits for the slow")
    func batchFeed() async throws {
        for (events, size) in [(0, 5), (1, 5), (10, 5), (11, 5), (997, 13)] as [(UInt64, UInt64)] {
            let log = SyntheticLog(events: events, size: size)
            let feed = BatchFeed(consumers: 3, head: LogPosition(events), lead: 3) { after in log.read(after: after) }
            let seen = try await withThrowingTaskGroup(of: [UInt64].self) { group in
                for c in 0..<3 {
                    group.addTask {
                        var out: [UInt64] = []
                        var k = 0
                        while let batch = try await feed.batch(k) {
                            out += batch.events.map(\.position.value)
                            if c == 2 {  // the slow one: others may not run more than a few batches ahead
                                try await Task.sleep(for: .milliseconds(1))
                                log.state.withLock { $0.slowest = k + 1 }
                            }
                            k += 1
                        }
                        return out
                    }
                }
                return try await group.reduce(into: [[UInt64]]()) { $0.append($1) }
            }
            for s in seen { #expect(s == Array(events == 0 ? [] : Array(1...events)), "\(events) events in batches of \(size)") }
            let reads = log.state.withLock { $0.reads }
            #expect(reads == Array(Set(reads)).sorted(), "each batch is read once, in order")
            #expect(reads.count <= Int((events + size - 1) / size) + 1)
            #expect(log.state.withLock { $0.maxAhead } <= 5)
        }
    }

    @Test("the feed reads up to `lead` batches ahead of the slowest consumer before anyone asks for them, and no further")
    func batchFeedReadsAhead() async throws {
        let log = SyntheticLog(events: 100, size: 10)
        let feed = BatchFeed(consumers: 2, head: LogPosition(100), lead: 3) { after in log.read(after: after) }
        // One consumer takes batch 0; the other has taken nothing, so batch 0 is the oldest held.
        #expect(try await feed.batch(0)?.events.first?.position == LogPosition(1))
        var reads: [UInt64] = []
        for _ in 0..<200 {
            reads = log.state.withLock { $0.reads }
            if reads.count >= 3 { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        try await Task.sleep(for: .milliseconds(50))
        reads = log.state.withLock { $0.reads }
        #expect(reads == [0, 10, 20], "batches 0, 1 and 2 are read without being asked for, batch 3 is not")
        // Once the other consumer takes batch 0 too, batch 3 is read.
        _ = try await feed.batch(0)
        for _ in 0..<200 where log.state.withLock({ $0.reads.count }) < 4 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(log.state.withLock { $0.reads } == [0, 10, 20, 30])
        await feed.cancel()
    }

    @Test("a failing read stops every consumer with the error; a cancelled feed stops them too")
    func batchFeedFailure() async throws {
        struct Broken: Error {}
        let feed = BatchFeed(consumers: 2, head: LogPosition(100), lead: 2) { after in
            if after.value >= 30 { throw Broken() }
            return SyntheticLog(events: 100, size: 10).read(after: after)
        }
        await #expect(throws: Broken.self) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<2 { group.addTask { var k = 0; while try await feed.batch(k) != nil { k += 1 } } }
                try await group.waitForAll()
            }
        }
        // One consumer never comes: the other waits for it after `lead` batches until the feed is cancelled.
        let stuck = BatchFeed(consumers: 2, head: LogPosition(100), lead: 2) { after in SyntheticLog(events: 100, size: 10).read(after: after) }
        let waiter = Task { var k = 0; while try await stuck.batch(k) != nil { k += 1 } }
        try await Task.sleep(for: .milliseconds(50))
        await stuck.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
    }
}

/// A process across streams: each closed counter adds one to the `closed` counter stream.
struct CountClosed: Reaction {
    let engine: WorkflowEngine<Counter>
    var name: String { "count-closed" }
    var eventTypes: Set<String>? { ["counter.closed"] }
    func react(to event: RecordedEvent) throws -> [Dispatch] {
        [.command(.increment(by: 1), to: .test("closed"), via: engine)]
    }
}

@Suite("Reactions")
struct ReactionTests {
    @Test("commands to other streams are sent at least once and applied once, across failures and restarts")
    func atLeastOnce() async throws {
        let lmdb = InMemoryEventStore()
        let engine = try WorkflowEngine(workflow: Counter(), store: lmdb)
        for i in 0..<30 { _ = try await engine.handle(.close, for: .test("c-\(i)"), commandID: "close-\(i)", actor: "a") }
        let faulty = FaultyStore(lmdb, seed: 42, percent: 30)
        let faultyEngine = try WorkflowEngine(workflow: Counter(), store: faulty)
        var failures = 0
        for _ in 0..<200 {
            // A new runner each time: a restart, resuming from the stored checkpoint.
            let runner = try ReactionRunner(store: faulty, reactions: [CountClosed(engine: faultyEngine)], batchSize: 4)
            do {
                try await runner.catchUp()
                break
            } catch {
                failures += 1
            }
        }
        #expect(failures > 0, "the faults were exercised")
        faulty.setFaults(percent: 0)
        let runner = try ReactionRunner(store: faulty, reactions: [CountClosed(engine: faultyEngine)])
        try await runner.catchUp()
        try await runner.catchUp()  // past the increments the first pass appended
        let checkpoint = try await runner.checkpoint(of: "count-closed")
        #expect(checkpoint == (try await lmdb.lastPosition()))
        engine.clearCache()
        #expect(try await engine.state(of: .test("closed")).state.total == 30)
    }
}

@Suite("Replay")
struct ReplayTests {
    /// Any history the engine accepted, replayed from the log, gives the state the engine kept, and
    /// replaying twice gives the same state.
    @Test("replay of any accepted history is deterministic and equals the live state")
    func deterministic() async {
        await propertyCheck(count: 40, input: Gen.int(in: 0...999).array(of: 1...60)) { ops in
            let store = InMemoryEventStore()
            let engine = try WorkflowEngine(workflow: Counter(), store: store)
            for (i, op) in ops.enumerated() {
                let command: Counter.Command = op % 13 == 0 ? .close : .increment(by: op % 120)
                _ = try await engine.handle(command, for: .test("s-\(op % 3)"), commandID: "\(i)", actor: "a")
            }
            for n in 0..<3 {
                let s = StreamID.test("s-\(n)")
                let live = try await engine.state(of: s)
                let events = try await engine.history(of: s).compactMap(\.event)
                let once = Counter().replay(events)
                #expect(once == Counter().replay(events))
                #expect(once == live.state)
                engine.clearCache()
                let replayed = try await engine.state(of: s)
                #expect(replayed.state == live.state && replayed.version == live.version && replayed.lastPosition == live.lastPosition)
            }
        }
    }
}

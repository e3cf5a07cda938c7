import DocketCore
@testable import DocketLMDB
import DocketTesting
import Foundation
import PropertyBased
import Synchronization
import Testing

@Suite("LMDB store conformance")
struct LMDBConformanceTests {
    @Test(arguments: EventStoreConformance.allCases)
    func conformance(_ check: ConformanceCase) async throws {
        try await check.run(LMDBHarness())
    }
}

@Suite("LMDB store on disk")
struct LMDBStoreTests {
    @Test("a log read without payloads gives the same events with empty payloads")
    func readWithoutPayloads() async throws {
        let dir = TemporaryDirectory()
        let store = try LMDBEventStore(path: dir.path)
        for i in 0..<5 { try await store.append(to: "s", expected: .any, events: [Fixtures.event("T", "payload \(i)")], metadata: Fixtures.metadata) }
        let full = try await store.readLog(after: .beforeFirst, limit: 10)
        let bare = try await store.readLog(after: .beforeFirst, limit: 10, payloads: false)
        #expect(bare.allSatisfy { $0.payload.isEmpty })
        #expect(bare.map { var e = $0; e.payload = []; return e } == full.map { var e = $0; e.payload = []; return e })
        #expect(full.allSatisfy { !$0.payload.isEmpty })
        // A batch for projections packs the payloads in one buffer as it reads them.
        let batch = try await store.readBatch(after: .beforeFirst, limit: 10, payloads: true)
        #expect(batch.isPacked && batch.events.allSatisfy { $0.payload.isEmpty })
        #expect(batch.unpacked() == full)
        #expect(try await !store.readBatch(after: .beforeFirst, limit: 10, payloads: false).isPacked)
        await store.close()
    }

    @Test("releasing the mapped pages loses nothing: reads, rows and appends go on as before")
    func releaseMappedPages() async throws {
        let dir = TemporaryDirectory()
        let store = try LMDBEventStore(path: dir.path)
        for i in 0..<2_000 { try await store.append(to: StreamID(verbatim: "s-\(i % 7)"), expected: .any, events: [Fixtures.event("T", "payload \(i)")], metadata: Fixtures.metadata) }
        let before = try await store.readLog(after: .beforeFirst, limit: 5_000)
        try await store.commitProjection(ProjectionCommit(
            name: "p", slot: .live, expected: .beforeFirst, checkpoint: LogPosition(2_000),
            writes: (0..<5_000).map { ProjectionWrite(key: Array("row-\($0)".utf8), value: Array(repeating: UInt8($0 % 251), count: 300)) },
            expectedGeneration: try await store.projectionStatus("p").generation))
        try store.releaseMappedPages()
        #expect(try await store.readLog(after: .beforeFirst, limit: 5_000) == before)
        let rows = try await store.readProjection("p", slot: .live) { reader in
            var n = 0
            try reader.forEach(from: nil) { key, value in
                let i = Int(String(decoding: key.dropFirst(4), as: UTF8.self))!
                #expect(value == Array(repeating: UInt8(i % 251), count: 300))
                n += 1
                return true
            }
            return n
        }
        #expect(rows == 5_000, "every row read back intact after its pages were released behind the scan")
        try store.releaseMappedPages()
        try await store.append(to: "s-0", expected: .any, events: [Fixtures.event("T", "after")], metadata: Fixtures.metadata)
        #expect(try await store.lastPosition() == LogPosition(2_001))
        #expect(try await store.verify().isIntact)
        await store.close()
    }

    @Test("projections: a read of an unknown one creates nothing; more than maxProjections is a clear error")
    func projectionLimits() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(in: dir) { $0.maxProjections = 2 }
        let empty = try await store.readProjection("never", slot: .live) { reader in try reader.value(for: [1]) }
        #expect(empty == nil)
        #expect(store.projectionHandles.withLock { $0.isEmpty }, "reading an unknown projection opened no databases")
        // A commit without rows (a reaction's checkpoint) opens none either.
        try await store.commitProjection(ProjectionCommit(name: "reaction.x", slot: .live, expected: .beforeFirst, checkpoint: LogPosition(1), writes: []))
        #expect(store.projectionHandles.withLock { $0.isEmpty })
        for name in ["a", "b"] {
            try await store.commitProjection(ProjectionCommit(name: name, slot: .live, expected: .beforeFirst, checkpoint: LogPosition(1), writes: [ProjectionWrite(key: [1], value: [2])]))
        }
        await #expect(performing: {
            try await store.commitProjection(ProjectionCommit(name: "c", slot: .live, expected: .beforeFirst, checkpoint: LogPosition(1), writes: [ProjectionWrite(key: [1], value: [2])]))
        }, throws: { ($0 as? DocketError)?.code == .invalidArgument && "\($0)".contains("maxProjections") })
        #expect(try await store.readProjection("a", slot: .live) { try $0.value(for: [1]) } == [2])
        await store.close()
    }

    @Test("the map grows by itself when full, and nothing is lost")
    func mapGrowth() async throws {
        let dir = TemporaryDirectory()
        var options = LMDBEventStore.Options()
        options.initialMapSize = 256 << 10  // 256 KiB: fills after a few hundred events
        let store = try LMDBEventStore(path: dir.path, options: options)
        let payload = [UInt8](repeating: 7, count: 2_000)
        for batch in 0..<40 {
            let events = (0..<50).map { _ in NewEvent(type: "Big", payload: payload, occurredAt: Timestamp(millisecondsSinceEpoch: Int64(batch))) }
            try await store.append(to: StreamID(verbatim: "s-\(batch % 4)"), expected: .any, events: events, metadata: Fixtures.metadata)
        }
        let info = try await store.info()
        #expect(info.events == 2_000)
        #expect(info.mapSize > 256 << 10, "the map should have grown; it is \(info.mapSize)")
        let report = try await store.verify()
        #expect(report.isIntact && report.eventsChecked == 2_000)
        await store.close()
        let reopened = try LMDBEventStore(path: dir.path, options: options)
        #expect(try await reopened.lastPosition() == LogPosition(2_000))
    }

    @Test("concurrent appends are committed together: fewer commits than appends")
    func groupCommit() async throws {
        let dir = TemporaryDirectory()
        let store = try LMDBEventStore(path: dir.path)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<32 {
                group.addTask {
                    for i in 0..<20 {
                        try await store.append(to: StreamID(verbatim: "w-\(w)"), expected: .exact(StreamVersion(UInt64(i))), events: [Fixtures.event()], metadata: Fixtures.metadata)
                    }
                }
            }
            try await group.waitForAll()
        }
        let stats = store.writeStatistics
        #expect(stats.appends == 640 && stats.events == 640)
        #expect(stats.commits < stats.appends, "no two appends shared a commit: \(stats)")
        #expect(stats.largestBatch > 1)
    }

    @Test("appends gathered into an open transaction keep their order with timer writes and key lookups")
    func gatheringKeepsOrder() async throws {
        let dir = TemporaryDirectory()
        let store = try LMDBEventStore(path: dir.path)
        let writers = 48, perWriter = 25
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<writers {
                group.addTask {
                    for i in 0..<perWriter {
                        let key = "w\(w)-\(i)"
                        let result = try await store.append(
                            to: StreamID(verbatim: "w-\(w)"), expected: .exact(StreamVersion(UInt64(i))), events: [Fixtures.event()],
                            metadata: Fixtures.metadata, idempotencyKey: key)
                        // Other jobs queued behind appends: each sees everything acknowledged before it.
                        if i % 5 == 0 {
                            let id = try TimerID("t-\(w)-\(i)")
                            try await store.updateTimers([.schedule(ScheduledTimer(id: id, due: Timestamp(millisecondsSinceEpoch: 1_000), payload: [1]))])
                            #expect(try await store.timer(id) != nil)
                            #expect(try await store.appendResult(forIdempotencyKey: key)?.firstPosition == result.firstPosition)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let total = UInt64(writers * perWriter)
        var positions: [UInt64] = []
        try store.scan(after: .beforeFirst) { positions.append($0.position.value) }
        #expect(positions == Array(1...total), "positions are gap-free and in order")
        for w in 0..<writers {
            #expect(try await store.head(of: StreamID(verbatim: "w-\(w)"))?.version == StreamVersion(UInt64(perWriter)))
        }
        let stats = store.writeStatistics
        #expect(stats.appends == total && stats.commits < stats.appends)
        #expect(stats.gatherTime > .zero, "commits took in appends that arrived while they were open")
        #expect(try await store.verify().isIntact)
    }

    @Test("scan delivers every event once, in order, across snapshot pages")
    func scanPages() async throws {
        let dir = TemporaryDirectory()
        let store = try LMDBEventStore(path: dir.path)
        for i in 0..<250 {
            try await store.append(to: StreamID(verbatim: "s-\(i % 9)"), expected: .any, events: [Fixtures.event("E", "\(i)")], metadata: Fixtures.metadata)
        }
        var seen: [UInt64] = []
        let last = try store.scan(after: LogPosition(7), pageSize: 16) { seen.append($0.position.value) }
        #expect(seen == Array(8...250))
        #expect(last == LogPosition(250))
        let none = try store.scan(after: LogPosition(250)) { _ in Issue.record("nothing should follow the end") }
        #expect(none == LogPosition(250))
    }

    @Test("records written into the space LMDB reserves are the bytes each encodes to alone, across pages and overflow pages, after reopening")
    func recordsWrittenInPlace() async throws {
        let dir = TemporaryDirectory()
        var store = try LMDBEventStore(path: dir.path)
        let at = Timestamp(millisecondsSinceEpoch: 1_772_406_000_000)
        // Small records filling pages, one record larger than a page (an overflow page), and an
        // empty payload; in two streams of one command with every metadata field set.
        var events = (0..<300).map { NewEvent(type: $0 % 2 == 0 ? "T" : "案件登记", payload: Array("payload \($0)".utf8), occurredAt: at) }
        events.insert(NewEvent(type: "Large", schemaVersion: 4, payload: (0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }, occurredAt: at), at: 150)
        events.append(NewEvent(type: "Empty", payload: [], occurredAt: Timestamp(millisecondsSinceEpoch: -1)))
        let request = AppendRequest(
            streams: [StreamAppend(stream: StreamID(verbatim: "案-1"), expected: .noStream, events: events),
                      StreamAppend(stream: "s", expected: .noStream, events: Array(events.prefix(3)))],
            metadata: CommandMetadata(actor: "调解员:M-1", correlationID: "corr", causationID: "cause"), idempotencyKey: "cmd-1")
        _ = try await store.append(request)
        for round in ["written", "reopened"] {
            let recorded = try await store.readLog(after: .beforeFirst, limit: 1_000)
            #expect(recorded.count == events.count + 3)
            for e in recorded {
                var alone: [UInt8] = []
                RecordCodec.encode(RecordedEventFields(e), into: &alone)
                let stored = try store.env.read { txn in try Keys.withPosition(e.position) { try txn.get(txn.dbs.events, $0).map { [UInt8]($0) } } }
                let same = stored == alone  // compared first: a failure names the record, not all its bytes
                #expect(same, "record \(e.position), \(round)")
            }
            #expect(try await store.verify().problem == nil)
            await store.close()
            store = try LMDBEventStore(path: dir.path)
        }
        await store.close()
    }

    @Test("tampering with a stored record is found by verify at its position")
    func tamperRecord() async throws {
        let dir = TemporaryDirectory()
        let store = try LMDBEventStore(path: dir.path)
        for i in 0..<20 {
            try await store.append(to: StreamID(verbatim: "s-\(i % 3)"), expected: .any, events: [Fixtures.event("E", "payload \(i)")], metadata: Fixtures.metadata)
        }
        try store.env.write { txn in
            try Keys.withPosition(LogPosition(13)) { key in
                guard let raw = try txn.get(txn.dbs.events, key) else { return }
                var bytes = [UInt8](raw)
                bytes[bytes.count - 66] ^= 0x01  // a payload byte
                try bytes.withUnsafeBytes { try txn.put(txn.dbs.events, key, $0) }
            }
        }
        let report = try await store.verify()
        #expect(report.problem?.kind == .hashMismatch)
        #expect(report.problem?.position == LogPosition(13))
    }

    @Test("a missing stream index entry is found by verify")
    func tamperIndex() async throws {
        let dir = TemporaryDirectory()
        var options = LMDBEventStore.Options()
        options.indexFlushThreshold = 1  // index every event at once
        let store = try LMDBEventStore(path: dir.path, options: options)
        for i in 0..<10 {
            try await store.append(to: StreamID(verbatim: "s-\(i % 2)"), expected: .any, events: [Fixtures.event()], metadata: Fixtures.metadata)
        }
        try store.env.write { txn in
            try Keys.withStreamIndex("s-1", StreamVersion(3)) { key in _ = try txn.delete(txn.dbs.streams, key) }
        }
        let report = try await store.verify()
        #expect(report.problem?.kind == .streamIndexMismatch)
        #expect(report.problem?.position == LogPosition(6))
    }

    @Test("the index is written behind: flushed at the threshold, complete after close, reads exact throughout")
    func writeBehindIndex() async throws {
        let dir = TemporaryDirectory()
        var options = LMDBEventStore.Options()
        options.indexFlushThreshold = 10
        let store = try LMDBEventStore(path: dir.path, options: options)
        for i in 0..<103 {
            try await store.append(to: StreamID(verbatim: "s-\(i % 4)"), expected: .any, events: [Fixtures.event("E", "\(i)")], metadata: Fixtures.metadata, idempotencyKey: "k-\(i)")
            let read = try await store.readStream(StreamID(verbatim: "s-\(i % 4)"))
            #expect(read.count == i / 4 + 1 && read.last?.payload == Array("\(i)".utf8), "after append \(i)")
        }
        let info = try await store.info()
        #expect(info.unindexedEvents < 10 && info.unindexedEvents > 0, "\(info)")
        #expect(info.streams == 4 && info.idempotencyKeys == 103 && info.events == 103, "counts include the tail: \(info)")
        #expect(store.writeStatistics.indexFlushes == 10)
        #expect(try await store.verify().isIntact)
        // An idempotency key in the tail and one already flushed both replay.
        for i in [2, 101] {
            let r = try await store.append(to: StreamID(verbatim: "s-\(i % 4)"), expected: .any, events: [Fixtures.event("E", "\(i)")], metadata: Fixtures.metadata, idempotencyKey: "k-\(i)")
            #expect(r.isReplay && r.firstPosition == LogPosition(UInt64(i + 1)))
        }
        await store.close()
        let reopened = try LMDBEventStore(path: dir.path, options: options)
        #expect(try await reopened.info().unindexedEvents == 0, "close writes the tail to the index")
        #expect(try await reopened.readStream("s-3").count == 25)
        #expect(try await reopened.verify().isIntact)
    }

    @Test("long runs of one stream, appended in one call, read back exactly across the tail's chunks, the flush and a reopening")
    func longRunsInTheTail() async throws {
        let dir = TemporaryDirectory()
        let store = try openStore(in: dir) { $0.indexFlushThreshold = 2_000 }
        // 600 then 300 events of "long" (runs crossing the tail's 256-position chunks), interleaved
        // with single events of "short", then 1,500 more that cross the flush threshold.
        var positions: [String: [UInt64]] = [:]
        func append(_ stream: String, _ n: Int) async throws {
            let events = (0..<n).map { Fixtures.event("E", "\(stream)-\(positions[stream, default: []].count + $0)") }
            let r = try await store.append(to: StreamID(verbatim: stream), expected: .exact(StreamVersion(UInt64(positions[stream, default: []].count))), events: events, metadata: Fixtures.metadata)
            positions[stream, default: []] += Array(r.firstPosition.value...r.lastPosition.value)
        }
        func check(_ s: LMDBEventStore, _ when: String) async throws {
            for (stream, expected) in positions {
                let all = try await s.readStream(StreamID(verbatim: stream))
                #expect(all.map(\.position.value) == expected, "\(stream) \(when)")
                #expect(all.enumerated().allSatisfy { $0.element.version.value == UInt64($0.offset + 1) && $0.element.payload == Array("\(stream)-\($0.offset)".utf8) }, "\(stream) \(when)")
                for from in [1, 255, 256, 257, 600, 601, expected.count] where from <= expected.count {
                    let back = try await s.readStream(StreamID(verbatim: stream), from: StreamVersion(UInt64(from)), direction: .backward, limit: 300)
                    #expect(back.map(\.position.value) == Array(expected[max(0, from - 300)..<from].reversed()), "\(stream) backwards from \(from) \(when)")
                }
            }
        }
        try await append("long", 600)
        try await append("short", 1)
        try await append("long", 300)
        try await append("short", 1)
        try await check(store, "in the tail")
        #expect(store.writeStatistics.indexFlushes == 0)
        try await append("long", 1_500)
        #expect(store.writeStatistics.indexFlushes == 1)
        try await append("short", 1)
        try await check(store, "after the flush")
        #expect(try await store.verify().isIntact)
        await store.close()
        let reopened = try openStore(in: dir) { $0.indexFlushThreshold = 2_000 }
        try await check(reopened, "after reopening")
        #expect(try await reopened.verify().isIntact)
        await reopened.close()
    }

    @Test("idempotency entries rebuilt from the tail equal the ones the appender kept")
    func tailRebuildReproducesEntries() async throws {
        let dir = TemporaryDirectory()
        let store = try LMDBEventStore(path: dir.path)
        var expected: [String: IdempotencyEntry] = [:]
        for i in 0..<30 {
            let request = AppendRequest(streams: [
                StreamAppend(stream: StreamID(verbatim: "z-\(i % 3)"), expected: .any, events: [Fixtures.event("A", "\(i)"), Fixtures.event("B", "\(i)")]),
                StreamAppend(stream: StreamID(verbatim: "a-\(i % 2)"), expected: .any, events: [NewEvent(type: "C", schemaVersion: 3, payload: [UInt8(i)], occurredAt: Timestamp(millisecondsSinceEpoch: Int64(i)))]),
            ], metadata: CommandMetadata(actor: "x:\(i % 4)", correlationID: "c-\(i)"), idempotencyKey: i % 5 == 4 ? nil : "key-\(i)")
            let r = try await store.append(request)
            if let key = request.idempotencyKey {
                expected[key] = IdempotencyEntry(fingerprint: IdempotencyEntry.fingerprint(of: request), result: r)
            }
        }
        let tail = TailIndex()
        _ = try store.env.read { txn in try tail.prepare(txn) }
        #expect(tail.count == 90)
        #expect(tail.idempotency.count == expected.count)
        for (key, entry) in expected {
            #expect(tail.idempotency[ByteString(key)] == entry.result.firstPosition, "\(key)")
            let rebuilt = try store.env.read { txn in try txn.commandEntry(key: key, at: entry.result.firstPosition) }
            #expect(rebuilt == entry, "\(key)")
        }
    }

    @Test("adjacent commands whose keys differ only in Unicode normalisation stay two commands when rebuilt")
    func equivalentKeysRebuilt() async throws {
        let dir = TemporaryDirectory()
        let store = try LMDBEventStore(path: dir.path)
        let first = try await store.append(to: "s", expected: .any, events: [Fixtures.event("A")], metadata: Fixtures.metadata, idempotencyKey: "k\u{E9}")
        let second = try await store.append(to: "s", expected: .any, events: [Fixtures.event("B")], metadata: Fixtures.metadata, idempotencyKey: "ke\u{301}")
        let tail = TailIndex()
        _ = try store.env.read { txn in try tail.prepare(txn) }
        #expect(tail.idempotency[ByteString("k\u{E9}")] == first.firstPosition)
        #expect(tail.idempotency[ByteString("ke\u{301}")] == second.firstPosition)
        await store.close()
        let reopened = try LMDBEventStore(path: dir.path)
        let replay = try await reopened.append(to: "s", expected: .any, events: [Fixtures.event("B")], metadata: Fixtures.metadata, idempotencyKey: "ke\u{301}")
        #expect(replay.isReplay && replay.firstPosition == second.firstPosition)
        #expect(try await reopened.verify().isIntact)
    }

    @Test("the readers' copy of the tail answers only for snapshots it covers, trimmed to them")
    func readerTailLookup() throws {
        let dir = TemporaryDirectory()
        let store = try LMDBEventStore(path: dir.path)
        let tail = TailIndex()
        try store.env.read { txn in
            _ = try tail.prepare(txn)  // empty store: indexed 0
        }
        tail.record("s", version: StreamVersion(1), position: LogPosition(2))
        tail.record("s", version: StreamVersion(2), position: LogPosition(5))
        tail.record("t", version: StreamVersion(1), position: LogPosition(6))
        tail.recordChain(ChainHead(position: LogPosition(6), hash: .genesis))
        let copy = ReaderTail()
        copy.replace(with: tail)
        guard case .complete(let s4) = copy.lookup("s", indexed: .beforeFirst, through: LogPosition(4)) else { Issue.record("expected complete"); return }
        #expect(s4?.count == 1 && s4?.lastPosition == LogPosition(2))
        guard case .complete(let none) = copy.lookup("s", indexed: .beforeFirst, through: .first) else { Issue.record("expected complete"); return }
        #expect(none == nil)
        guard case .until(let known, let partial) = copy.lookup("t", indexed: .beforeFirst, through: LogPosition(9)) else { Issue.record("expected until"); return }
        #expect(known == LogPosition(6) && partial?.count == 1)
        guard case .unknown = copy.lookup("s", indexed: LogPosition(1), through: LogPosition(6)) else { Issue.record("expected unknown"); return }
    }

    @Test("reads racing appends and index flushes always see whole, ordered streams")
    func readsAcrossFlushes() async throws {
        let dir = TemporaryDirectory()
        var options = LMDBEventStore.Options()
        options.indexFlushThreshold = 5
        let store = try LMDBEventStore(path: dir.path, options: options)
        let streams: [StreamID] = ["r-0", "r-1", "r-2"]
        let writerDone = Flag()
        let writer = Task {
            defer { writerDone.set() }
            for i in 0..<150 {
                let s = streams[i % 3]
                try await store.append(to: s, expected: .exact(StreamVersion(UInt64(i / 3))), events: [Fixtures.event("E", "\(i)")], metadata: Fixtures.metadata, idempotencyKey: "c-\(i)")
            }
        }
        let readers = (0..<2).map { _ in
            Task { () -> Int in
                var checks = 0
                var seen: [StreamID: UInt64] = [:]
                var passesAfterWriter = 0
                while passesAfterWriter < 2 {
                    if writerDone.isSet { passesAfterWriter += 1 }
                    for s in streams {
                        let head = try await store.head(of: s)?.version.value ?? 0
                        let events = try await store.readStream(s)
                        // Whole and in order: versions 1...n, positions increasing, never shrinking.
                        #expect(events.map(\.version.value) == Array(0..<UInt64(events.count)).map { $0 + 1 })
                        #expect(zip(events, events.dropFirst()).allSatisfy { $0.position < $1.position })
                        #expect(UInt64(events.count) >= head, "a stream read after its head must hold at least that many events")
                        #expect(UInt64(events.count) >= seen[s, default: 0], "a stream never shrinks")
                        seen[s] = UInt64(events.count)
                        checks += 1
                    }
                    // Reads run on the calling task without suspending: let the writer's task run.
                    await Task.yield()
                }
                #expect(seen.values.reduce(0, +) == 150, "after the writer finished, readers see all 150 events: \(seen)")
                return checks
            }
        }
        try await writer.value
        for r in readers { #expect(try await r.value > 0) }
        #expect(store.writeStatistics.indexFlushes >= 25)
        #expect(try await store.verify().isIntact)
    }

    @Test("an import after unflushed appends continues their streams and chain")
    func importAfterTail() async throws {
        let dir = TemporaryDirectory()
        let store = try LMDBEventStore(path: dir.path)
        try await store.append(to: "s", expected: .noStream, events: [Fixtures.event("A"), Fixtures.event("B")], metadata: Fixtures.metadata, idempotencyKey: "k-1")
        #expect(try await store.info().unindexedEvents == 2)
        // Records continuing the chain and stream s, as an export of a longer log would hold them.
        var chain = try await store.chainHead()
        var records: [RecordedEvent] = []
        var buffer: [UInt8] = []
        for (i, stream) in ["s", "t", "s"].enumerated() {
            let version = StreamVersion(stream == "s" ? UInt64(3 + i / 2) : 1)
            let fields = RecordedEventFields(
                position: chain.position.next, stream: StreamID(verbatim: stream), version: version, type: "Imported",
                schemaVersion: 1, payload: Array("\(i)".utf8), occurredAt: Timestamp(millisecondsSinceEpoch: Int64(i)),
                recordedAt: Timestamp(millisecondsSinceEpoch: 99), metadata: Fixtures.metadata, commandID: "imp-\(i)",
                previousHash: chain.hash)
            let hash = RecordCodec.encode(fields, into: &buffer)
            records.append(try RecordCodec.decode(buffer))
            chain = ChainHead(position: fields.position, hash: hash)
        }
        try await store.importRecords(records)
        #expect(try await store.readStream("s").map(\.type) == ["A", "B", "Imported", "Imported"])
        #expect(try await store.version(of: "t") == .first)
        #expect(try await store.info().unindexedEvents == 0)
        #expect(try await store.verify().isIntact)
        let replay = try await store.append(to: "s", expected: .noStream, events: [Fixtures.event("A"), Fixtures.event("B")], metadata: Fixtures.metadata, idempotencyKey: "k-1")
        #expect(replay.isReplay && replay.firstPosition == .first)
        let next = try await store.append(to: "s", expected: .exact(StreamVersion(4)), events: [Fixtures.event()], metadata: Fixtures.metadata)
        #expect(next.firstPosition == LogPosition(6))
    }

    @Test("verify finds an idempotency entry that points at another command's record")
    func tamperIdempotencyIndex() async throws {
        let dir = TemporaryDirectory()
        let store = try LMDBEventStore(path: dir.path)
        for i in 0..<6 {
            try await store.append(to: "s", expected: .any, events: [Fixtures.event("E", "\(i)")], metadata: Fixtures.metadata, idempotencyKey: "k-\(i)")
        }
        await store.close()  // the index, idempotency entries included, is now on disk
        let reopened = try LMDBEventStore(path: dir.path)
        #expect(try await reopened.verify().isIntact)
        try reopened.env.write { txn in
            try Keys.withText("k-2") { k in try Keys.withPosition(LogPosition(5)) { try txn.put(txn.dbs.idempotency, k, $0) } }
        }
        let report = try await reopened.verify()
        #expect(report.problem?.kind == .idempotencyIndexMismatch && report.problem?.position == LogPosition(5), "\(report)")
    }

    @Test("verify finds an index entry for a record still in the unindexed tail")
    func tailWithIndexEntry() async throws {
        let dir = TemporaryDirectory()
        let store = try LMDBEventStore(path: dir.path)
        for i in 0..<5 {
            try await store.append(to: "s", expected: .any, events: [Fixtures.event("E", "\(i)")], metadata: Fixtures.metadata)
        }
        try store.env.write { txn in
            try LMDBLogWriter(txn: txn).putStreamIndex("s", version: StreamVersion(4), position: LogPosition(4))
        }
        let report = try await store.verify()
        #expect(report.problem?.kind == .streamIndexMismatch && report.problem?.position == LogPosition(4), "\(report)")
    }

    @Test("a corrupt record read through the API is a typed error naming its position")
    func corruptRead() async throws {
        let dir = TemporaryDirectory()
        let store = try LMDBEventStore(path: dir.path)
        try await store.append(to: "s", expected: .any, events: [Fixtures.event(), Fixtures.event()], metadata: Fixtures.metadata)
        try store.env.write { txn in
            try Keys.withPosition(LogPosition(2)) { key in
                try [UInt8](repeating: 0xEE, count: 40).withUnsafeBytes { try txn.put(txn.dbs.events, key, $0) }
            }
        }
        let error = await #expect(throws: DocketError.self) { _ = try await store.readLog(after: .beforeFirst, limit: 10) }
        #expect(error?.code == .corruptRecord)
        #expect(error?.message.contains("position 2") == true)
        #expect(try await store.verify().problem?.kind == .undecodableRecord)
    }

    @Test("a store of another format version is refused with a typed error")
    func formatVersion() async throws {
        let dir = TemporaryDirectory()
        do {
            let store = try LMDBEventStore(path: dir.path)
            try store.env.write { txn in
                try Keys.metaFormat.withUnsafeBytes { k in
                    try withUnsafeBytes(of: UInt32(99).bigEndian) { try txn.put(txn.dbs.meta, k, $0) }
                }
            }
            await store.close()
        }
        let error = #expect(throws: DocketError.self) { _ = try LMDBEventStore(path: dir.path) }
        #expect(error?.code == .unsupportedFormat)
    }

    @Test("opening a missing store without create, or a file, is a typed error")
    func missingStore() throws {
        let dir = TemporaryDirectory()
        var options = LMDBEventStore.Options()
        options.createIfMissing = false
        #expect((#expect(throws: DocketError.self) { _ = try LMDBEventStore(path: dir.sub("nope"), options: options) })?.code == .storeUnavailable)
        #expect((#expect(throws: DocketError.self) { _ = try LMDBEventStore(path: dir.path, options: options) })?.code == .storeUnavailable)
        _ = FileManager.default.createFile(atPath: dir.sub("file"), contents: Data([1]))
        #expect((#expect(throws: DocketError.self) { _ = try LMDBEventStore(path: dir.sub("file")) })?.code == .storeUnavailable)
    }

    @Test("appends after close are refused with storeClosed")
    func closed() async throws {
        let dir = TemporaryDirectory()
        let store = try LMDBEventStore(path: dir.path)
        await store.close()
        let error = await #expect(throws: DocketError.self) {
            try await store.append(to: "s", expected: .any, events: [Fixtures.event()], metadata: Fixtures.metadata)
        }
        #expect(error?.code == .storeClosed)
    }

    @Test("a hot backup while appends continue is consistent and verifies")
    func backup() async throws {
        let dir = TemporaryDirectory()
        let store = try LMDBEventStore(path: dir.sub("store"))
        try await store.append(to: "s", expected: .any, events: [Fixtures.event()], metadata: Fixtures.metadata)
        let writer = Task {
            for i in 0..<200 {
                try await store.append(to: StreamID(verbatim: "w-\(i % 5)"), expected: .any, events: [Fixtures.event()], metadata: Fixtures.metadata)
            }
        }
        try FileManager.default.createDirectory(atPath: dir.sub("copy"), withIntermediateDirectories: true)
        try await store.backup(to: dir.sub("copy"))
        try await writer.value
        let copy = try LMDBEventStore(path: dir.sub("copy"))
        let report = try await copy.verify()
        #expect(report.isIntact && report.eventsChecked >= 1 && report.eventsChecked <= 201)
    }

    @Test("the golden NDJSON log imports, verifies, and exports byte for byte the same")
    func goldenLog() async throws {
        let specs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Specs/golden/log-v1.ndjson")
        let dir = TemporaryDirectory()
        let store = try LMDBEventStore(path: dir.path)
        let input = try FileHandle(forReadingFrom: specs)
        let n = try await store.importNDJSON(from: input)
        #expect(n == 6)
        #expect(try await store.verify().isIntact)
        let out = dir.sub("again.ndjson")
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        try await store.exportNDJSON(to: handle)
        try handle.close()
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == Data(contentsOf: specs))
    }

    @Test("an NDJSON import refuses an altered line and names it")
    func importRefusesAlteredLine() async throws {
        let specs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Specs/golden/log-v1.ndjson")
        var lines = try String(contentsOf: specs, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[3] = lines[3].replacingOccurrences(of: "\"schemaVersion\":1", with: "\"schemaVersion\":2")
        let dir = TemporaryDirectory()
        let file = dir.sub("altered.ndjson")
        try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let store = try LMDBEventStore(path: dir.sub("store"))
        let error = await #expect(throws: DocketError.self) {
            _ = try await store.importNDJSON(from: FileHandle(forReadingAtPath: file)!)
        }
        #expect(error?.code == .importRejected)
        #expect(error?.message.hasPrefix("line 4:") == true, "\(error?.message ?? "")")
        #expect(try await store.lastPosition() == .beforeFirst, "nothing of the refused batch is written")
    }
}

/// Random histories applied to the LMDB store and to the in-memory reference give the same
/// outcomes and byte-identical logs.
@Suite("LMDB store against the in-memory reference")
struct DifferentialTests {
    @Test("random histories: same outcomes, same records, same hashes")
    func differential() async {
        await propertyCheck(count: 25, input: Gen.int(in: 0...9_999).array(of: 1...60)) { ops in
            let dir = TemporaryDirectory()
            let clock = ManualClock()
            var options = LMDBEventStore.Options()
            options.clock = clock
            options.initialMapSize = 1 << 20
            options.indexFlushThreshold = 7  // flushes fall inside the random histories
            let lmdb = try LMDBEventStore(path: dir.path, options: options)
            let memory = InMemoryEventStore(clock: clock)
            for (i, op) in ops.enumerated() {
                clock.advance(milliseconds: 1_000)
                let request = Self.request(op, index: i)
                let a = await Result { try await lmdb.append(request) }
                let b = await Result { try await memory.append(request) }
                for s in 0..<5 {
                    let id = StreamID(verbatim: "s-\(s)")
                    let (ha, hb) = (try await lmdb.head(of: id), try await memory.head(of: id))
                    #expect(ha == hb, "op \(i): head of \(id)")
                    if i % 10 == 9 { #expect(try await lmdb.readStream(id) == memory.readStream(id), "op \(i): stream \(id)") }
                }
                switch (a, b) {
                case (.success(let x), .success(let y)): #expect(x == y, "op \(i) (\(op))")
                case (.failure(let x as VersionConflict), .failure(let y as VersionConflict)): #expect(x == y)
                case (.failure(let x as DocketError), .failure(let y as DocketError)): #expect(x.code == y.code)
                default: Issue.record("op \(i) (\(op)): LMDB gave \(a), in-memory gave \(b)")
                }
            }
            let logA = try await lmdb.readLog(after: .beforeFirst, limit: 10_000)
            let logB = try await memory.readLog(after: .beforeFirst, limit: 10_000)
            #expect(logA == logB)
            #expect(try await lmdb.verify().isIntact)
            await lmdb.close()
        }
    }

    /// Decodes an integer into an append: which streams, what expectation, how many events, which key.
    static func request(_ op: Int, index: Int) -> AppendRequest {
        let stream = StreamID(verbatim: "s-\(op % 5)")
        let expected: ExpectedVersion
        switch (op / 5) % 5 {
        case 0: expected = .any
        case 1: expected = .noStream
        case 2: expected = .streamExists
        default: expected = .exact(StreamVersion(UInt64((op / 25) % 4)))
        }
        let events = (0...(op / 100) % 3).map { n in
            NewEvent(type: "T\(op % 3)", schemaVersion: UInt16(1 + op % 2), payload: Array("\(op)-\(n)".utf8), occurredAt: Timestamp(millisecondsSinceEpoch: Int64(op)))
        }
        var streams = [StreamAppend(stream: stream, expected: expected, events: events)]
        if (op / 300) % 3 == 0 {
            streams.append(StreamAppend(stream: StreamID(verbatim: "s-\((op + 1) % 5)"), expected: .any, events: [events[0]]))
        }
        let key: String? = (op / 900) % 2 == 0 ? "k-\(op % 7)" : nil
        return AppendRequest(streams: streams, metadata: CommandMetadata(actor: "a-\(op % 2)"), idempotencyKey: key)
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}

/// A flag one task sets and others read.
final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

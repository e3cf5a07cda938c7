public import DocketCore
import Foundation

/// A failed conformance check, with what was expected and what happened.
public struct ConformanceFailure: Error, CustomStringConvertible {
    /// What went wrong.
    public let message: String
    /// Where the check is.
    public let location: String
    public var description: String { "\(location): \(message)" }
}

/// How the conformance suite gets stores: a fresh empty one, and the same one closed and opened again.
public protocol EventStoreHarness: Sendable {
    /// The clock the harness's stores record with.
    var clock: ManualClock { get }
    /// A new, empty store.
    func makeStore() async throws -> any EventStore
    /// The same store closed and opened again (for an in-memory store: the same instance).
    func reopen(_ store: any EventStore) async throws -> any EventStore
    /// A new, empty store that accepts imports.
    func makeImportableStore() async throws -> any ImportableEventStore
}

/// One check of the store conformance suite.
public struct ConformanceCase: Sendable, CustomStringConvertible {
    /// The check's name.
    public let name: String
    let body: @Sendable (any EventStoreHarness) async throws -> Void
    public var description: String { name }

    /// Runs the check against stores from `harness`; throws ``ConformanceFailure`` or the store's error.
    public func run(_ harness: any EventStoreHarness) async throws { try await body(harness) }
}

func check(_ condition: Bool, _ message: @autoclosure () -> String, file: String = #fileID, line: Int = #line) throws {
    if !condition { throw ConformanceFailure(message: message(), location: "\(file):\(line)") }
}

func expectError<E: Error>(_ type: E.Type, file: String = #fileID, line: Int = #line, _ body: () async throws -> Void) async throws -> E {
    do {
        try await body()
    } catch let e as E {
        return e
    }
    throw ConformanceFailure(message: "expected a \(E.self) to be thrown, but nothing was", location: "\(file):\(line)")
}

/// Helpers to make events in tests.
public enum Fixtures {
    /// An event with a small text payload.
    public static func event(_ type: String = "Happened", _ text: String = "payload", at ms: Int64 = 1_767_571_200_000) -> NewEvent {
        NewEvent(type: type, schemaVersion: 1, payload: Array(text.utf8), occurredAt: Timestamp(millisecondsSinceEpoch: ms))
    }

    /// Metadata with an actor.
    public static let metadata = CommandMetadata(actor: "registrar:R-1", correlationID: "corr-1", causationID: "cause-1")
}

/// The checks every `EventStore` must pass: expected versions, idempotency, atomic multi-stream
/// appends, gap-free ordering under concurrency, reads, subscriptions, verification, reopening and
/// NDJSON round trips.
public enum EventStoreConformance {
    /// Every check, by name.
    public static let allCases: [ConformanceCase] = [
        ConformanceCase(name: "append then read back every field", body: appendAndReadBack),
        ConformanceCase(name: "noStream refuses an existing stream and appends nothing", body: noStream),
        ConformanceCase(name: "exact and streamExists versions", body: exactVersion),
        ConformanceCase(name: "idempotency key returns the first result", body: idempotency),
        ConformanceCase(name: "idempotency key reused for another request is refused", body: idempotencyReuse),
        ConformanceCase(name: "multi-stream append is atomic", body: atomicMultiStream),
        ConformanceCase(name: "invalid requests are refused and append nothing", body: invalidRequests),
        ConformanceCase(name: "stream ids and keys are compared byte for byte", body: byteWiseIdentity),
        ConformanceCase(name: "positions stay gap-free under concurrent appends", body: concurrentOrdering),
        ConformanceCase(name: "conflicting concurrent appends: exactly one wins each version", body: concurrentConflicts),
        ConformanceCase(name: "stream reads forwards and backwards with limits", body: streamReads),
        ConformanceCase(name: "log reads page by position, as arrays and as batches", body: logReads),
        ConformanceCase(name: "a batch's tables name each event's type and stream, with many streams", body: batchTables),
        ConformanceCase(name: "subscription catches up then follows live without gap or repeat", body: subscription),
        ConformanceCase(name: "reopen keeps events, heads, chain and idempotency", body: reopen),
        ConformanceCase(name: "verify reports an intact log", body: verifyIntact),
        ConformanceCase(name: "NDJSON export then import reproduces the log", body: ndjsonRoundTrip),
        ConformanceCase(name: "timers are written with their append, never with a refused or replayed one", body: timersWithAppends),
        ConformanceCase(name: "timers: replace, cancel, complete at the same due instant, due order, reopen", body: timerOperations),
        ConformanceCase(name: "projection rows and checkpoint commit together; a stale checkpoint is refused", body: projectionCommits),
        ConformanceCase(name: "projection rebuild fills spare rows, then swaps them in", body: projectionRebuild),
        ConformanceCase(name: "projection rows written in any order: past the last key, among the others, prefixes, overwrites, deletes", body: projectionRowOrder),
    ]

    typealias FullStore = any EventStore & TimerStore & ProjectionStore

    static func full(_ store: any EventStore) throws -> FullStore {
        guard let s = store as? FullStore else {
            throw ConformanceFailure(message: "the store does not offer timers and projections", location: #fileID)
        }
        return s
    }

    static func timer(_ id: String, _ due: Int64, _ text: String = "fire") throws -> ScheduledTimer {
        ScheduledTimer(id: try TimerID(id), due: Timestamp(millisecondsSinceEpoch: due), payload: Array(text.utf8))
    }

    static func timersWithAppends(_ h: any EventStoreHarness) async throws {
        let store = try full(try await h.makeStore())
        let t1 = try timer("t1", 1_000)
        try await store.append(AppendRequest(stream: "s", expected: .noStream, events: [Fixtures.event()], metadata: Fixtures.metadata, idempotencyKey: "k", timers: [.schedule(t1)]))
        try check(try await store.timer(t1.id) == t1, "the timer is stored with its append")
        // Refused: nothing of it is written, timers included.
        _ = try? await store.append(AppendRequest(stream: "s", expected: .noStream, events: [Fixtures.event()], metadata: Fixtures.metadata, timers: [.cancel(t1.id), .schedule(try timer("t2", 5))]))
        let count = try await store.timerCount()
        let kept = try await store.timer(t1.id)
        try check(count == 1 && kept == t1, "a refused append changes no timer")
        // Replayed: the first result, and no timer change.
        try await store.updateTimers([.cancel(t1.id)])
        let replay = try await store.append(AppendRequest(stream: "s", expected: .noStream, events: [Fixtures.event()], metadata: Fixtures.metadata, idempotencyKey: "k", timers: [.schedule(t1)]))
        let afterReplay = try await store.timerCount()
        try check(replay.isReplay && afterReplay == 0, "a replayed append changes no timer")
        let big = ScheduledTimer(id: try TimerID("big"), due: Timestamp(millisecondsSinceEpoch: 0), payload: Array(repeating: 1, count: ScheduledTimer.maximumPayloadSize + 1))
        let e = try await expectError(DocketError.self) { try await store.updateTimers([.schedule(big)]) }
        try check(e.code == .invalidArgument, "an oversized timer is invalid: \(e)")
    }

    static func timerOperations(_ h: any EventStoreHarness) async throws {
        var store = try full(try await h.makeStore())
        try await store.updateTimers([
            .schedule(try timer("b", 300)), .schedule(try timer("a", 300)), .schedule(try timer("c", -5)),
            .schedule(try timer("d", 200, "first")), .schedule(try timer("d", 100, "moved")),
        ])
        let due = try await store.dueTimers(until: Timestamp(millisecondsSinceEpoch: 300), limit: 10)
        try check(due.map(\.id.rawValue) == ["c", "d", "a", "b"], "due order by instant then id: \(due.map(\.id))")
        try check(due[1].payload == Array("moved".utf8) && due[1].due.millisecondsSinceEpoch == 100, "scheduling again replaces")
        try check(try await store.dueTimers(until: Timestamp(millisecondsSinceEpoch: 99), limit: 10).map(\.id.rawValue) == ["c"], "only due timers")
        try check(try await store.dueTimers(until: Timestamp(millisecondsSinceEpoch: 1_000), limit: 2).count == 2, "limit")
        try await store.updateTimers([.complete(try TimerID("d"), due: Timestamp(millisecondsSinceEpoch: 200)), .cancel(try TimerID("a")), .cancel(try TimerID("none"))])
        try check(try await store.timerCount() == 3, "complete at another instant keeps the timer; cancel removes")
        try await store.updateTimers([.complete(try TimerID("d"), due: Timestamp(millisecondsSinceEpoch: 100))])
        try check(try await store.timer(try TimerID("d")) == nil, "complete at its instant removes it")
        store = try full(try await h.reopen(store))
        try check(try await store.dueTimers(until: Timestamp(millisecondsSinceEpoch: 1_000), limit: 10).map(\.id.rawValue) == ["c", "b"], "timers survive reopening")
    }

    static func rows(_ store: FullStore, _ name: String, _ slot: ProjectionSlot = .live) async throws -> [String: String] {
        try await store.readProjection(name, slot: slot) { reader in
            var out: [String: String] = [:]
            try reader.forEach(from: nil) { k, v in
                out[String(decoding: k, as: UTF8.self)] = String(decoding: v, as: UTF8.self)
                return true
            }
            return out
        }
    }

    static func write(_ k: String, _ v: String?) -> ProjectionWrite { ProjectionWrite(key: Array(k.utf8), value: v.map { Array($0.utf8) }) }

    static func projectionCommits(_ h: any EventStoreHarness) async throws {
        var store = try full(try await h.makeStore())
        try check(try await store.projectionStatus("p") == .new, "a new projection")
        try await store.commitProjection(ProjectionCommit(name: "p", slot: .live, expected: .beforeFirst, checkpoint: LogPosition(5), writes: [write("a", "1"), write("b", "2")]))
        try await store.commitProjection(ProjectionCommit(name: "p", slot: .live, expected: LogPosition(5), checkpoint: LogPosition(9), writes: [write("a", nil), write("c", "3")]))
        try check(try await rows(store, "p") == ["b": "2", "c": "3"], "rows after two commits")
        let conflict = try await expectError(DocketError.self) {
            try await store.commitProjection(ProjectionCommit(name: "p", slot: .live, expected: LogPosition(5), checkpoint: LogPosition(12), writes: [write("z", "9")]))
        }
        try check(conflict.code == .checkpointConflict, "stale checkpoint: \(conflict)")
        let unchanged = try await rows(store, "p")
        let stillAt = try await store.projectionStatus("p").checkpoint
        try check(unchanged["z"] == nil && stillAt == LogPosition(9), "a refused commit writes nothing")
        let value = try await store.readProjection("p", slot: .live) { try $0.value(for: Array("b".utf8)) }
        try check(value == Array("2".utf8), "point read")
        let from = try await store.readProjection("p", slot: .live) { reader in
            var keys: [String] = []
            try reader.forEach(from: Array("bb".utf8)) { k, _ in keys.append(String(decoding: k, as: UTF8.self)); return true }
            return keys
        }
        try check(from == ["c"], "scan from a key: \(from)")
        let back = try await expectError(DocketError.self) {
            try await store.commitProjection(ProjectionCommit(name: "p", slot: .live, expected: LogPosition(9), checkpoint: LogPosition(8), writes: []))
        }
        try check(back.code == .invalidArgument, "a checkpoint never moves back: \(back)")
        let bad = try await expectError(DocketError.self) { _ = try await store.projectionStatus("no spaces") }
        try check(bad.code == .invalidArgument, "invalid projection name")
        store = try full(try await h.reopen(store))
        let reopened = try await rows(store, "p")
        let names = try await store.projectionNames()
        try check(reopened == ["b": "2", "c": "3"] && names == ["p"], "rows survive reopening")
    }

    /// Random commits against a model: keys of one to four letters (so that many are prefixes of
    /// others), written in any order within a commit, past the last key or among the others,
    /// overwritten, deleted (the last key too), written twice in one commit; the rows must equal the
    /// model, in byte order, after every commit and after reopening.
    static func projectionRowOrder(_ h: any EventStoreHarness) async throws {
        var store = try full(try await h.makeStore())
        var model: [String: String] = [:]
        var state: UInt64 = 0x5EED
        func next(_ n: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(n))
        }
        let letters = Array("abcdz")
        func key() -> String { String((0...next(4)).map { _ in letters[next(letters.count)] }) }
        var checkpoint = LogPosition.beforeFirst
        for round in 0..<60 {
            var writes: [ProjectionWrite] = []
            for _ in 0..<(1 + next(12)) {
                switch next(6) {
                case 0 where !model.isEmpty:
                    // Delete an existing key, often the last one.
                    let k = next(2) == 0 ? model.keys.max(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })! : model.keys.sorted()[next(model.count)]
                    writes.append(write(k, nil))
                    model[k] = nil
                case 1:
                    // Past every key so far, then a key among the others in the same commit.
                    let k = "zzzz" + String(round) + String(writes.count)
                    let v = "v\(round)-\(writes.count)"
                    writes.append(write(k, v))
                    model[k] = v
                default:
                    let k = key(), v = "v\(round)-\(writes.count)"
                    writes.append(write(k, v))
                    model[k] = v
                }
            }
            let after = LogPosition(checkpoint.value + 1)
            try await store.commitProjection(ProjectionCommit(name: "order", slot: .live, expected: checkpoint, checkpoint: after, writes: writes))
            checkpoint = after
            let stored = try await store.readProjection("order", slot: .live) { reader in
                var out: [([UInt8], [UInt8])] = []
                try reader.forEach(from: nil) { k, v in
                    out.append((k, v))
                    return true
                }
                return out
            }
            let expected = model.map { (Array($0.key.utf8), Array($0.value.utf8)) }.sorted { $0.0.lexicographicallyPrecedes($1.0) }
            try check(stored.map(\.0) == expected.map(\.0) && stored.map(\.1) == expected.map(\.1), "rows after commit \(round) equal the model, in byte order")
        }
        store = try full(try await h.reopen(store))
        try check(try await rows(store, "order") == model, "rows survive reopening")
    }

    static func projectionRebuild(_ h: any EventStoreHarness) async throws {
        let store = try full(try await h.makeStore())
        try await store.commitProjection(ProjectionCommit(name: "p", slot: .live, expected: .beforeFirst, checkpoint: LogPosition(3), writes: [write("old", "1")]))
        let none = try await expectError(DocketError.self) {
            try await store.commitProjection(ProjectionCommit(name: "p", slot: .rebuild, expected: .beforeFirst, checkpoint: LogPosition(1), writes: []))
        }
        try check(none.code == .checkpointConflict, "no rebuild in progress")
        try await store.startProjectionRebuild("p")
        try await store.commitProjection(ProjectionCommit(name: "p", slot: .rebuild, expected: .beforeFirst, checkpoint: LogPosition(2), writes: [write("new", "1")]))
        let early = try await expectError(DocketError.self) { try await store.finishProjectionRebuild("p", expected: LogPosition(2)) }
        try check(early.code == .checkpointConflict, "a rebuild behind the live rows is not swapped in: \(early)")
        try await store.commitProjection(ProjectionCommit(name: "p", slot: .rebuild, expected: LogPosition(2), checkpoint: LogPosition(4), writes: [write("new", "2")]))
        try check(try await rows(store, "p") == ["old": "1"], "readers see the live rows during a rebuild")
        try check(try await rows(store, "p", .rebuild) == ["new": "2"], "the rebuild's rows")
        let status = try await store.projectionStatus("p")
        try check(status.checkpoint == LogPosition(3) && status.rebuildCheckpoint == LogPosition(4), "both checkpoints: \(status)")
        try await store.finishProjectionRebuild("p", expected: LogPosition(4))
        try check(try await rows(store, "p") == ["new": "2"], "swapped in")
        // A live batch computed against the old rows is refused even where the checkpoints agree.
        let stale = try await expectError(DocketError.self) {
            try await store.commitProjection(ProjectionCommit(name: "p", slot: .live, expected: LogPosition(4), checkpoint: LogPosition(5), writes: [write("stale", "x")], expectedGeneration: 0))
        }
        try check(stale.code == .checkpointConflict, "a commit of an older generation: \(stale)")
        try check(try await store.projectionStatus("p") == ProjectionStatus(checkpoint: LogPosition(4), rebuildCheckpoint: nil, generation: 1), "status after the swap")
        // A second rebuild starts from empty spare rows (the old live rows were cleared).
        try await store.startProjectionRebuild("p")
        try check(try await rows(store, "p", .rebuild).isEmpty, "spare rows start empty")
    }

    static func appendAndReadBack(_ h: any EventStoreHarness) async throws {
        let store = try await h.makeStore()
        h.clock.set(Timestamp(millisecondsSinceEpoch: 1_767_600_000_123))
        let events = [Fixtures.event("A", "one", at: 1_000), Fixtures.event("B", "two", at: 2_000)]
        let r = try await store.append(to: "s-1", expected: .noStream, events: events, metadata: Fixtures.metadata, idempotencyKey: "cmd-1")
        try check(r.firstPosition == .first && r.lastPosition == LogPosition(2), "positions \(r.firstPosition)...\(r.lastPosition), expected 1...2")
        try check(r.streams == [.init(stream: "s-1", firstVersion: .first, lastVersion: StreamVersion(2))], "stream ranges \(r.streams)")
        try check(!r.isReplay, "a first append is not a replay")
        let read = try await store.readStream("s-1")
        try check(read.count == 2, "read \(read.count) events, expected 2")
        for (i, e) in read.enumerated() {
            try check(e.type == events[i].type && e.payload == events[i].payload && e.occurredAt == events[i].occurredAt, "event \(i) differs: \(e)")
            try check(e.version == StreamVersion(UInt64(i + 1)) && e.position == LogPosition(UInt64(i + 1)), "event \(i) version/position \(e.version)/\(e.position)")
            try check(e.metadata == Fixtures.metadata && e.commandID == "cmd-1", "metadata \(e.metadata) command \(e.commandID ?? "nil")")
            try check(e.recordedAt == Timestamp(millisecondsSinceEpoch: 1_767_600_000_123), "recordedAt \(e.recordedAt) must come from the injected clock")
            try check(e.stream == "s-1" && e.schemaVersion == 1, "stream/schema \(e.stream)/\(e.schemaVersion)")
        }
        try check(read[0].previousHash == .genesis && read[1].previousHash == read[0].hash, "hash chain links")
        try check(try await store.lastPosition() == LogPosition(2), "last position")
        try check(try await store.head(of: "s-1") == StreamHead(version: StreamVersion(2), lastPosition: LogPosition(2)), "head")
        try check(try await store.head(of: "missing") == nil, "a missing stream has no head")
        try check(try await store.readStream("missing").isEmpty, "a missing stream reads as empty")
    }

    static func noStream(_ h: any EventStoreHarness) async throws {
        let store = try await h.makeStore()
        try await store.append(to: "s", expected: .noStream, events: [Fixtures.event()], metadata: Fixtures.metadata)
        let conflict = try await expectError(VersionConflict.self) {
            try await store.append(to: "s", expected: .noStream, events: [Fixtures.event()], metadata: Fixtures.metadata)
        }
        try check(conflict == VersionConflict(stream: "s", expected: .noStream, actual: .first), "conflict \(conflict)")
        try check(try await store.lastPosition() == .first, "a refused append must append nothing")
    }

    static func exactVersion(_ h: any EventStoreHarness) async throws {
        let store = try await h.makeStore()
        let missing = try await expectError(VersionConflict.self) {
            try await store.append(to: "s", expected: .streamExists, events: [Fixtures.event()], metadata: Fixtures.metadata)
        }
        try check(missing.actual == .none && missing.expected == .streamExists, "streamExists on a missing stream: \(missing)")
        try await store.append(to: "s", expected: .exact(.none), events: [Fixtures.event()], metadata: Fixtures.metadata)
        try await store.append(to: "s", expected: .exact(.first), events: [Fixtures.event()], metadata: Fixtures.metadata)
        try await store.append(to: "s", expected: .streamExists, events: [Fixtures.event()], metadata: Fixtures.metadata)
        let stale = try await expectError(VersionConflict.self) {
            try await store.append(to: "s", expected: .exact(.first), events: [Fixtures.event()], metadata: Fixtures.metadata)
        }
        try check(stale == VersionConflict(stream: "s", expected: .exact(.first), actual: StreamVersion(3)), "stale: \(stale)")
        try await store.append(to: "s", expected: .any, events: [Fixtures.event()], metadata: Fixtures.metadata)
        try check(try await store.version(of: "s") == StreamVersion(4), "version after four appends")
    }

    static func idempotency(_ h: any EventStoreHarness) async throws {
        let store = try await h.makeStore()
        let first = try await store.append(to: "s", expected: .noStream, events: [Fixtures.event(), Fixtures.event()], metadata: Fixtures.metadata, idempotencyKey: "k")
        try await store.append(to: "other", expected: .any, events: [Fixtures.event()], metadata: Fixtures.metadata)
        // A retry: the expected version no longer holds, but the key wins and returns the first result.
        let again = try await store.append(to: "s", expected: .noStream, events: [Fixtures.event(), Fixtures.event()], metadata: Fixtures.metadata, idempotencyKey: "k")
        var expected = first
        expected.isReplay = true
        try check(again == expected, "replay \(again) differs from the first result \(first)")
        try check(try await store.lastPosition() == LogPosition(3), "a replay must append nothing")
        try check(try await store.version(of: "s") == StreamVersion(2), "stream version unchanged by the replay")
        let looked = try await store.appendResult(forIdempotencyKey: "k")
        try check(looked?.firstPosition == first.firstPosition && looked?.streams == first.streams, "the key's first result is found: \(String(describing: looked))")
        let none = try await store.appendResult(forIdempotencyKey: "never-used")
        try check(none == nil, "an unused key has no result")
    }

    static func idempotencyReuse(_ h: any EventStoreHarness) async throws {
        let store = try await h.makeStore()
        try await store.append(to: "s", expected: .any, events: [Fixtures.event("A")], metadata: Fixtures.metadata, idempotencyKey: "k")
        let e = try await expectError(DocketError.self) {
            try await store.append(to: "s", expected: .any, events: [Fixtures.event("B")], metadata: Fixtures.metadata, idempotencyKey: "k")
        }
        try check(e.code == .idempotencyKeyReused, "code \(e.code)")
        try check(try await store.lastPosition() == .first, "nothing appended")
    }

    static func atomicMultiStream(_ h: any EventStoreHarness) async throws {
        let store = try await h.makeStore()
        let r = try await store.append(AppendRequest(streams: [
            StreamAppend(stream: "a", expected: .noStream, events: [Fixtures.event("A1"), Fixtures.event("A2")]),
            StreamAppend(stream: "b", expected: .noStream, events: [Fixtures.event("B1")]),
        ], metadata: Fixtures.metadata))
        try check(r.firstPosition == .first && r.lastPosition == LogPosition(3), "positions \(r.firstPosition)...\(r.lastPosition)")
        try check(r.streams.map(\.lastVersion) == [StreamVersion(2), .first], "versions \(r.streams)")
        let conflict = try await expectError(VersionConflict.self) {
            _ = try await store.append(AppendRequest(streams: [
                StreamAppend(stream: "a", expected: .exact(StreamVersion(2)), events: [Fixtures.event("A3")]),
                StreamAppend(stream: "c", expected: .noStream, events: [Fixtures.event("C1")]),
                StreamAppend(stream: "b", expected: .noStream, events: [Fixtures.event("B2")]),
            ], metadata: Fixtures.metadata))
        }
        try check(conflict.stream == "b" && conflict.actual == .first, "conflict names stream b at 1: \(conflict)")
        try check(try await store.lastPosition() == LogPosition(3), "nothing of the refused append was written")
        let cHead = try await store.head(of: "c")
        try check(try await store.version(of: "a") == StreamVersion(2) && cHead == nil, "a unchanged, c not created")
    }

    static func invalidRequests(_ h: any EventStoreHarness) async throws {
        let store = try await h.makeStore()
        let cases: [AppendRequest] = [
            AppendRequest(streams: [], metadata: Fixtures.metadata),
            AppendRequest(stream: "s", expected: .any, events: [], metadata: Fixtures.metadata),
            AppendRequest(streams: [
                StreamAppend(stream: "s", expected: .any, events: [Fixtures.event()]),
                StreamAppend(stream: "s", expected: .any, events: [Fixtures.event()]),
            ], metadata: Fixtures.metadata),
            AppendRequest(stream: "s", expected: .any, events: [Fixtures.event("")], metadata: Fixtures.metadata),
            AppendRequest(stream: "s", expected: .any, events: [Fixtures.event(String(repeating: "t", count: 201))], metadata: Fixtures.metadata),
            AppendRequest(stream: "s", expected: .any, events: [Fixtures.event()], metadata: CommandMetadata(actor: String(repeating: "a", count: 201))),
            AppendRequest(stream: "s", expected: .any, events: [Fixtures.event()], metadata: Fixtures.metadata, idempotencyKey: ""),
            AppendRequest(
                streams: (0...Int(UInt16.max)).map { StreamAppend(stream: StreamID(verbatim: "m-\($0)"), expected: .any, events: [Fixtures.event()]) },
                metadata: Fixtures.metadata, idempotencyKey: "too-many"),
        ]
        for request in cases {
            let e = try await expectError(DocketError.self) { _ = try await store.append(request) }
            try check(e.code == .invalidArgument, "expected invalidArgument, got \(e)")
        }
        try check(try await store.lastPosition() == .beforeFirst, "nothing appended by invalid requests")
        do {
            _ = try StreamID(String(repeating: "x", count: StreamID.maximumUTF8Length + 1))
            try check(false, "an over-long stream id must be refused")
        } catch let e as DocketError {
            try check(e.code == .invalidArgument, "code \(e.code)")
        }
    }

    static func byteWiseIdentity(_ h: any EventStoreHarness) async throws {
        let store = try await h.makeStore()
        // "café" as one scalar and as "e" + combining accent: equal as Swift strings, two streams here.
        let composed = StreamID(verbatim: "caf\u{E9}"), decomposed = StreamID(verbatim: "cafe\u{301}")
        try check(composed != decomposed, "the two ids must differ byte for byte")
        try await store.append(to: composed, expected: .noStream, events: [Fixtures.event("A")], metadata: Fixtures.metadata, idempotencyKey: "k\u{E9}")
        try await store.append(to: decomposed, expected: .noStream, events: [Fixtures.event("B")], metadata: Fixtures.metadata, idempotencyKey: "ke\u{301}")
        try check(try await store.readStream(composed).map(\.type) == ["A"], "the composed stream holds only its own event")
        try check(try await store.readStream(decomposed).map(\.type) == ["B"], "the decomposed stream holds only its own event")
        let replay = try await store.append(to: decomposed, expected: .noStream, events: [Fixtures.event("B")], metadata: Fixtures.metadata, idempotencyKey: "ke\u{301}")
        try check(replay.isReplay && replay.firstPosition == LogPosition(2), "each key replays its own append: \(replay)")
        try check(try await store.verify().isIntact, "verify")
    }

    static func concurrentOrdering(_ h: any EventStoreHarness) async throws {
        let store = try await h.makeStore()
        let writers = 32, perWriter = 20
        let results = try await withThrowingTaskGroup(of: [AppendResult].self) { group in
            for w in 0..<writers {
                group.addTask {
                    var out: [AppendResult] = []
                    for i in 0..<perWriter {
                        let shared = StreamID(verbatim: "shared-\(i % 3)")
                        out.append(try await store.append(AppendRequest(streams: [
                            StreamAppend(stream: StreamID(verbatim: "w-\(w)"), expected: .exact(StreamVersion(UInt64(i))), events: [Fixtures.event("W", "\(w)-\(i)")]),
                            StreamAppend(stream: shared, expected: .any, events: [Fixtures.event("S", "\(w)-\(i)")]),
                        ], metadata: Fixtures.metadata)))
                    }
                    return out
                }
            }
            var all: [AppendResult] = []
            for try await r in group { all += r }
            return all
        }
        let total = UInt64(writers * perWriter * 2)
        let lastPosition = try await store.lastPosition()
        try check(lastPosition == LogPosition(total), "last position \(lastPosition), expected \(total)")
        // Each append's positions are contiguous and no two appends share one.
        let ranges = results.map { $0.firstPosition.value...$0.lastPosition.value }.sorted { $0.lowerBound < $1.lowerBound }
        var next: UInt64 = 1
        for r in ranges {
            try check(r.lowerBound == next && r.count == 2, "range \(r) does not follow \(next - 1)")
            next = r.upperBound + 1
        }
        var log: [RecordedEvent] = []
        var after = LogPosition.beforeFirst
        while true {
            let page = try await store.readLog(after: after, limit: 100)
            guard let last = page.last else { break }
            log += page
            after = last.position
        }
        try check(log.map(\.position.value) == Array(1...total), "log positions are not 1...\(total) in order")
        var versions: [StreamID: UInt64] = [:]
        for e in log {
            let v = versions[e.stream, default: 0] + 1
            try check(e.version.value == v, "stream \(e.stream) version \(e.version) after \(v - 1)")
            versions[e.stream] = v
        }
        try check(try await store.verify().isIntact, "verify after concurrent appends")
    }

    static func concurrentConflicts(_ h: any EventStoreHarness) async throws {
        let store = try await h.makeStore()
        let contenders = 16
        for round in 0..<5 {
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for c in 0..<contenders {
                    group.addTask {
                        do {
                            try await store.append(to: "contested", expected: .exact(StreamVersion(UInt64(round))), events: [Fixtures.event("Won", "\(c)")], metadata: Fixtures.metadata)
                            return true
                        } catch is VersionConflict {
                            return false
                        }
                    }
                }
                var n = 0
                for try await won in group where won { n += 1 }
                return n
            }
            try check(wins == 1, "round \(round): \(wins) appends won the same expected version")
        }
        try check(try await store.version(of: "contested") == StreamVersion(5), "five rounds, five events")
    }

    static func streamReads(_ h: any EventStoreHarness) async throws {
        let store = try await h.makeStore()
        for i in 1...10 {
            try await store.append(to: "s", expected: .any, events: [Fixtures.event("E", "\(i)")], metadata: Fixtures.metadata)
            try await store.append(to: "noise", expected: .any, events: [Fixtures.event()], metadata: Fixtures.metadata)
        }
        let f = try await store.readStream("s", from: StreamVersion(3), direction: .forward, limit: 4)
        try check(f.map(\.version.value) == [3, 4, 5, 6], "forward from 3 limit 4: \(f.map(\.version.value))")
        let b = try await store.readStream("s", from: .end, direction: .backward, limit: 3)
        try check(b.map(\.version.value) == [10, 9, 8], "backward from end limit 3: \(b.map(\.version.value))")
        let b2 = try await store.readStream("s", from: StreamVersion(2), direction: .backward, limit: 10)
        try check(b2.map(\.version.value) == [2, 1], "backward from 2: \(b2.map(\.version.value))")
        let past = try await store.readStream("s", from: StreamVersion(11), direction: .forward, limit: 10)
        try check(past.isEmpty, "forward past the end is empty")
        try check(f.map { String(decoding: $0.payload, as: UTF8.self) } == ["3", "4", "5", "6"], "payloads in order")
    }

    static func logReads(_ h: any EventStoreHarness) async throws {
        let store = try await h.makeStore()
        // Short ids and types (held inline in a string) and long ones, so that a batch's tables
        // meet both.
        for i in 0..<25 {
            let stream = i % 2 == 0 ? "s-\(i % 4)" : "a-stream-with-a-long-id-\(i % 4)"
            let type = i % 3 == 0 ? "E" : "a.long.event.type.name.\(i % 3)"
            try await store.append(to: StreamID(verbatim: stream), expected: .any, events: [Fixtures.event(type)], metadata: Fixtures.metadata)
        }
        let page = try await store.readLog(after: LogPosition(10), limit: 5)
        try check(page.map(\.position.value) == [11, 12, 13, 14, 15], "page after 10: \(page.map(\.position.value))")
        let tail = try await store.readLog(after: LogPosition(23), limit: 100)
        try check(tail.map(\.position.value) == [24, 25], "tail: \(tail.map(\.position.value))")
        try check(try await store.readLog(after: LogPosition(25), limit: 10).isEmpty, "nothing after the end")
        // A batch for projections holds the same events, whether or not the store packs its payloads.
        for (after, limit) in [(0, 100), (10, 5), (23, 100), (25, 10)] as [(UInt64, Int)] {
            let events = try await store.readLog(after: LogPosition(after), limit: limit)
            let batch = try await store.readBatch(after: LogPosition(after), limit: limit, payloads: true)
            try check(batch.unpacked() == events, "batch after \(after): the events readLog gives")
            try check(batch.events.indices.allSatisfy { batch.payload(at: $0) == events[$0].payload }, "batch after \(after): payloads")
            let bare = try await store.readBatch(after: LogPosition(after), limit: limit, payloads: false)
            try check(bare.events.map(\.position) == events.map(\.position), "batch without payloads after \(after): the same events")
            for (b, what) in [(batch, "batch"), (bare, "batch without payloads")] { try tablesAgree(b, events, "\(what) after \(after)") }
        }
    }

    static func batchTables(_ h: any EventStoreHarness) async throws {
        let store = try await h.makeStore()
        // Streams that begin in one batch and go on in the next, more of them than a table starts
        // with room for, and a type that comes back after others.
        for round in 0..<3 {
            for i in 0..<120 {
                let type = i % 40 == 0 ? "Rare" : "Step\(round)"
                try await store.append(to: StreamID(verbatim: "case-\(i)"), expected: .any, events: [Fixtures.event(type)], metadata: Fixtures.metadata)
            }
        }
        for (after, limit) in [(0, 1_000), (0, 100), (100, 150), (250, 110)] as [(UInt64, Int)] {
            let events = try await store.readLog(after: LogPosition(after), limit: limit)
            for payloads in [true, false] {
                let batch = try await store.readBatch(after: LogPosition(after), limit: limit, payloads: payloads)
                try tablesAgree(batch, events, "batch after \(after) of \(limit)\(payloads ? "" : " without payloads")")
            }
        }
    }

    /// A batch's type and stream tables say what its events say: each event's type and stream, the
    /// distinct ones in the order they first appear, and which streams begin in the batch.
    static func tablesAgree(_ batch: EventBatch, _ events: [RecordedEvent], _ what: String) throws {
        var types: [String] = [], streams: [StreamID] = [], begins: [Bool] = []
        for e in events {
            if !types.contains(e.type) { types.append(e.type) }
            if !streams.contains(e.stream) {
                streams.append(e.stream)
                begins.append(e.version == .first)
            }
        }
        try check(batch.types == types, "\(what): types \(batch.types), not \(types)")
        try check(batch.streams == streams, "\(what): streams \(batch.streams), not \(streams)")
        try check(events.indices.allSatisfy { batch.types[batch.typeIndex(at: $0)] == events[$0].type }, "\(what): each event's type")
        try check(events.indices.allSatisfy { batch.streams[batch.streamIndex(at: $0)] == events[$0].stream }, "\(what): each event's stream")
        try check(streams.indices.map { batch.streamBegins($0) } == begins, "\(what): the streams that begin in it")
    }

    static func subscription(_ h: any EventStoreHarness) async throws {
        let store = try await h.makeStore()
        for i in 1...10 {
            try await store.append(to: "s", expected: .any, events: [Fixtures.event("E", "\(i)")], metadata: Fixtures.metadata)
        }
        let received = try await withThrowingTaskGroup(of: [UInt64].self) { group in
            group.addTask {
                var seen: [UInt64] = []
                for try await e in store.subscribe(after: LogPosition(4), pageSize: 3) {
                    seen.append(e.position.value)
                    if seen.count == 26 { break }
                }
                return seen
            }
            group.addTask {
                for i in 11...30 {
                    try await store.append(to: StreamID(verbatim: "live-\(i % 2)"), expected: .any, events: [Fixtures.event("L", "\(i)")], metadata: Fixtures.metadata)
                    if i % 5 == 0 { try await Task.sleep(for: .milliseconds(5)) }
                }
                return []
            }
            var all: [UInt64] = []
            for try await r in group { all += r }
            return all
        }
        try check(received == Array(5...30), "subscription delivered \(received), expected 5...30 once each in order")
        // A subscription ends when its task is cancelled while it waits.
        let waiter = Task { () -> Int in
            var n = 0
            for try await _ in store.subscribe(after: LogPosition(30)) { n += 1 }
            return n
        }
        try await Task.sleep(for: .milliseconds(20))
        waiter.cancel()
        let n = try await waiter.value
        try check(n == 0, "a cancelled idle subscription ends without events")
    }

    static func reopen(_ h: any EventStoreHarness) async throws {
        var store = try await h.makeStore()
        try await store.append(to: "s", expected: .noStream, events: [Fixtures.event("A")], metadata: Fixtures.metadata, idempotencyKey: "k1")
        try await store.append(to: "t", expected: .noStream, events: [Fixtures.event("B"), Fixtures.event("C")], metadata: Fixtures.metadata)
        let before = try await store.readLog(after: .beforeFirst, limit: 100)
        store = try await h.reopen(store)
        let after = try await store.readLog(after: .beforeFirst, limit: 100)
        try check(before == after, "the log differs after reopening")
        try check(try await store.version(of: "t") == StreamVersion(2), "head after reopening")
        let replay = try await store.append(to: "s", expected: .noStream, events: [Fixtures.event("A")], metadata: Fixtures.metadata, idempotencyKey: "k1")
        try check(replay.isReplay && replay.lastPosition == .first, "idempotency survives reopening: \(replay)")
        let r = try await store.append(to: "s", expected: .exact(.first), events: [Fixtures.event("D")], metadata: Fixtures.metadata)
        try check(r.firstPosition == LogPosition(4), "positions continue after reopening: \(r.firstPosition)")
        let report = try await store.verify()
        try check(report.isIntact && report.eventsChecked == 4, "verify after reopening: \(report)")
    }

    static func verifyIntact(_ h: any EventStoreHarness) async throws {
        let store = try await h.makeStore()
        let empty = try await store.verify()
        try check(empty.isIntact && empty.eventsChecked == 0 && empty.lastHash == .genesis, "empty log: \(empty)")
        for i in 0..<50 {
            try await store.append(to: StreamID(verbatim: "s-\(i % 7)"), expected: .any, events: [Fixtures.event("E", String(repeating: "x", count: i))], metadata: Fixtures.metadata, idempotencyKey: "c-\(i)")
        }
        let report = try await store.verify()
        try check(report.isIntact && report.eventsChecked == 50 && report.streamsChecked == 7, "report: \(report)")
        let last = try await store.readLog(after: LogPosition(49), limit: 1)
        try check(report.lastHash == last.first?.hash, "report's last hash is the last record's")
    }

    static func ndjsonRoundTrip(_ h: any EventStoreHarness) async throws {
        let source = try await h.makeStore()
        for i in 0..<40 {
            let meta = CommandMetadata(actor: "mediator:M-\(i % 3)", correlationID: i % 2 == 0 ? "corr-\(i)" : nil, causationID: nil)
            _ = try await source.append(AppendRequest(streams: [
                StreamAppend(stream: StreamID(verbatim: "案件-\(i % 5)"), expected: .any, events: [Fixtures.event("调解申请", "载荷 \(i)", at: Int64(i) * 86_400_000)]),
                StreamAppend(stream: "roster", expected: .any, events: [NewEvent(type: "Bin", schemaVersion: 3, payload: [0, 255, 10, 13, UInt8(i)], occurredAt: Timestamp(millisecondsSinceEpoch: -5))]),
            ], metadata: meta, idempotencyKey: i % 4 == 0 ? "cmd-\(i)" : nil))
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("docket-conformance-\(UUID().uuidString).ndjson")
        defer { try? FileManager.default.removeItem(at: url) }
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        let out = try FileHandle(forWritingTo: url)
        let exported = try await source.exportNDJSON(to: out)
        try out.close()
        try check(exported == 80, "exported \(exported) events")
        let target = try await h.makeImportableStore()
        let input = try FileHandle(forReadingFrom: url)
        let imported = try await target.importNDJSON(from: input, batchSize: 7)
        try input.close()
        try check(imported == 80, "imported \(imported) events")
        let a = try await source.readLog(after: .beforeFirst, limit: 1000)
        let b = try await target.readLog(after: .beforeFirst, limit: 1000)
        try check(a == b, "the imported log differs from the exported one")
        try check(try await target.verify().isIntact, "imported log verifies")
        let replay = try await target.append(AppendRequest(streams: [
            StreamAppend(stream: "案件-4", expected: .any, events: [Fixtures.event("调解申请", "载荷 4", at: 4 * 86_400_000)]),
            StreamAppend(stream: "roster", expected: .any, events: [NewEvent(type: "Bin", schemaVersion: 3, payload: [0, 255, 10, 13, 4], occurredAt: Timestamp(millisecondsSinceEpoch: -5))]),
        ], metadata: CommandMetadata(actor: "mediator:M-1", correlationID: "corr-4"), idempotencyKey: "cmd-4"))
        try check(replay.isReplay && replay.firstPosition == LogPosition(9), "idempotency keys are rebuilt on import: \(replay)")
    }
}

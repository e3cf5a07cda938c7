import DocketCore
import DocketTesting
@testable import LaborDisputes
import Synchronization
import Testing

private struct Failure: Error, Equatable {
    let index: Int
}

@Suite("Work in two halves", .serialized)
struct HalvesTests {
    @Test("two parts run side by side, or the first alone on the calling thread, each on its own data")
    func parts() throws {
        for parallel in [false, true] {
            let ran = Mutex<[Int]>([])
            var halves = [[Int]](repeating: [], count: 2)
            try halves.withUnsafeMutableBufferPointer { halves in
                try CaseProjection.inTwoParts(parallel: parallel) { part in
                    ran.withLock { $0.append(part) }
                    for k in 0..<1_000 { halves[part].append(k * 2 + part) }
                }
            }
            #expect(ran.withLock { $0.sorted() } == (parallel ? [0, 1] : [0]))
            #expect(halves[0] == (0..<1_000).map { $0 * 2 })
            #expect(halves[1] == (parallel ? (0..<1_000).map { $0 * 2 + 1 } : []))
        }
    }

    @Test("of two failing parts, the error of the earlier event is thrown, unwrapped; an error without an order loses to one with")
    func partFailures() throws {
        typealias Ordered = CaseProjection.OrderedFailure
        for (first, second, expected) in [(5, 9, 5), (9, 5, 5), (7, nil, 7), (nil, 3, 3)] as [(Int?, Int?, Int)] {
            let error = #expect(throws: Failure.self) {
                try CaseProjection.inTwoParts(parallel: true) { part in
                    if let at = part == 0 ? first : second { throw Ordered(order: at, error: Failure(index: at)) }
                }
            }
            #expect(error == Failure(index: expected), "parts failing at \(String(describing: first)) and \(String(describing: second))")
        }
        let unordered = #expect(throws: Failure.self) {
            try CaseProjection.inTwoParts(parallel: true) { part in
                if part == 0 { throw Failure(index: -1) }
                throw Ordered(order: 4, error: Failure(index: 4))
            }
        }
        #expect(unordered == Failure(index: 4))
        let serial = #expect(throws: Failure.self) {
            try CaseProjection.inTwoParts(parallel: false) { _ in throw Ordered(order: 2, error: Failure(index: 2)) }
        }
        #expect(serial == Failure(index: 2))
        try CaseProjection.inTwoParts(parallel: true) { _ in }
    }

    @Test("a batch with a malformed case event in each half is refused naming the earlier one, and writes no rows")
    func malformedEvents() throws {
        let projection = CaseProjection(rules: try CaseRules.bundled())
        // 1,200 cases registered, then two malformed events: the first for a case of the second
        // half, the next for one of the first half, with different faults so that the errors
        // tell which was named.
        let good = try CaseEvent.codec.encode(.registered(Self.registration()))
        func event(_ n: Int, _ caseNumber: Int, _ version: StreamVersion, _ payload: [UInt8]) -> RecordedEvent {
            RecordedEvent(
                position: LogPosition(UInt64(n + 1)), stream: StreamID(verbatim: "case-\(caseNumber)"), version: version, type: good.type,
                schemaVersion: good.schemaVersion, payload: payload, occurredAt: Timestamp(millisecondsSinceEpoch: 0),
                recordedAt: Timestamp(millisecondsSinceEpoch: 0), metadata: CommandMetadata(actor: "registrar:R-1"), commandID: nil,
                previousHash: .genesis, hash: .genesis)
        }
        let registrations = (0..<1_200).map { event($0, $0, .first, good.payload) }
        let secondHalf = event(1_200, 900, StreamVersion(2), Array("{".utf8))
        let firstHalf = event(1_201, 100, StreamVersion(2), Array(good.payload.prefix(5)))
        func failure(_ events: [RecordedEvent]) throws -> DocketError? {
            var outcome: DocketError?
            for batch in [EventBatch(events: events), EventBatch(packing: events)] {
                var rows = ProjectionRows(reader: NoRows())
                let error = #expect(throws: DocketError.self) { try projection.apply(packed: batch, to: &rows) }
                #expect(error?.code == .codecFailure)
                #expect(rows.changeCount == 0)
                outcome = error
            }
            return outcome
        }
        let both = try failure(registrations + [secondHalf, firstHalf])
        #expect(both?.message == (try failure(registrations + [secondHalf]))?.message, "the earlier event's error")
        #expect(both?.message != (try failure(registrations + [firstHalf]))?.message)
    }

    @Test("an event of another schema version than its type's first in the batch goes through the codec: one it cannot decode is refused, naming the version")
    func otherSchemaVersion() throws {
        let projection = CaseProjection(rules: try CaseRules.bundled())
        let good = try CaseEvent.codec.encode(.registered(Self.registration()))
        let events = (0..<600).map { n in
            RecordedEvent(
                position: LogPosition(UInt64(n + 1)), stream: StreamID(verbatim: "case-\(n)"), version: .first, type: good.type,
                schemaVersion: n == 500 ? 9 : good.schemaVersion, payload: good.payload, occurredAt: Timestamp(millisecondsSinceEpoch: 0),
                recordedAt: Timestamp(millisecondsSinceEpoch: 0), metadata: CommandMetadata(actor: "registrar:R-1"), commandID: nil,
                previousHash: .genesis, hash: .genesis)
        }
        var rows = ProjectionRows(reader: NoRows())
        let error = #expect(throws: DocketError.self) { try projection.apply(packed: EventBatch(packing: events), to: &rows) }
        #expect(error?.code == .codecFailure)
        #expect(error?.message.contains("schema version 9") == true, "\(error?.message ?? "")")
    }

    /// Rows held in memory, written batch by batch.
    final class Rows: ProjectionRowReader {
        var rows: [[UInt8]: [UInt8]] = [:]
        func value(for key: [UInt8]) throws -> [UInt8]? { rows[key] }
        func forEach(from start: [UInt8]?, _ body: ([UInt8], [UInt8]) throws -> Bool) throws {
            for key in rows.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) where start.map({ !key.lexicographicallyPrecedes($0) }) ?? true {
                guard try body(key, rows[key]!) else { return }
            }
        }
        func commit(_ writes: [ProjectionWrite]) {
            for w in writes { rows[w.key] = w.value }
        }
    }

    @Test("the case and archive models give the same rows folding a log in one batch or in small ones, where streams begin in one batch and go on in the next")
    func batchSizes() async throws {
        let h = try MixedHistory()
        for i in ScenarioLibrary.all.indices {
            for step in MixedHistory.steps(i, i) { _ = try await h.run.run(step) }
        }
        let events = try await h.run.store.readLog(after: .beforeFirst, limit: 1_000_000)
        let rules = try CaseRules.bundled()
        for projection in [CaseProjection(rules: rules) as any Projection, ArchiveProjection()] {
            var results: [[[UInt8]: [UInt8]]] = []
            for size in [events.count, 100, 7, 1] {
                let store = Rows()
                var start = 0
                // Rows named as the runner names them, so that the case model keeps records
                // between batches (each size its own set of rows).
                let identity = RowsIdentity(slot: .rebuild, generation: UInt64(size))
                while start < events.count {
                    let part = Array(events[start..<min(events.count, start + size)])
                    var rows = ProjectionRows(reader: store, over: nil, identity: identity)
                    try projection.apply(packed: start % 2 == 0 ? EventBatch(packing: part) : EventBatch(events: part), to: &rows)
                    store.commit(rows.writes)
                    start += size
                }
                results.append(store.rows)
                // Each case's index row names its record row and the record's last position, which
                // is how a record kept in memory is known to be current (closed cases included,
                // whose records are let go once encoded).
                guard projection is CaseProjection else { continue }
                var indexed = 0
                for (key, value) in store.rows where key.starts(with: CaseProjection.keyPrefix) {
                    let index = try #require(CaseProjection.index(ofRow: value))
                    let record = try CaseProjection.record(ofRow: try #require(store.rows[CaseProjection.recordKey(index.slot)]), "record")
                    #expect(record.lastPosition == index.lastPosition && Array("case/\(record.id)".utf8) == key, "batch size \(size)")
                    indexed += 1
                }
                #expect(indexed > 10 && store.rows.values.contains { (try? CaseProjection.record(ofRow: $0, ""))?.state.stage == .closed })
                // The records kept in memory: each open case's, as its row holds it; no closed
                // case's (in batches of one event, every case closes in a batch after its first).
                guard size == 1, let cases = projection as? CaseProjection else { continue }
                var open = 0
                for record in try CaseProjection.records(store) {
                    let cached = cases.cache.get(record.id, in: identity)
                    if record.state.stage == .closed {
                        #expect(cached == nil, "closed case \(record.id) kept in memory")
                    } else {
                        #expect(cached == record, "open case \(record.id)")
                        open += 1
                    }
                }
                #expect(open > 0)
            }
            #expect(results[0].count > 500, "\(projection.name)")
            for (k, r) in results.enumerated().dropFirst() {
                // Compared row by row, so that a failure names how many rows differ rather than printing them all.
                let differing = Set(r.keys).union(results[0].keys).filter { r[$0] != results[0][$0] }
                #expect(differing.isEmpty, "\(projection.name), batch size \([events.count, 100, 7, 1][k]): \(differing.count) rows differ")
            }
        }
    }

    @Test("records kept in memory between batches are kept apart for each set of rows: a rebuild never takes a record folded from the live rows")
    func cacheKeptPerRows() throws {
        let projection = CaseProjection(rules: try CaseRules.bundled())
        let t = Timestamp(millisecondsSinceEpoch: 1_772_416_800_000)
        let stream = StreamID(verbatim: "case-x")
        let folded: [CaseEvent] = [
            .registered(Self.registration()),
            .mediationApplied(organization: "ORG-1", oral: false, acceptBy: Timestamp(millisecondsSinceEpoch: 1_772_700_000_000), concludeBy: Timestamp(millisecondsSinceEpoch: 1_774_000_000_000)),
            .mediationAccepted,
        ]
        let events = try folded.enumerated().map { n, event in
            let e = try CaseEvent.codec.encode(event)
            return RecordedEvent(
                position: LogPosition(UInt64(n + 1)), stream: stream, version: StreamVersion(UInt64(n + 1)), type: e.type, schemaVersion: e.schemaVersion,
                payload: e.payload, occurredAt: t, recordedAt: t, metadata: CommandMetadata(actor: "registrar:R-1"), commandID: nil,
                previousHash: .genesis, hash: .genesis)
        }
        func apply(_ part: ArraySlice<RecordedEvent>, to store: Rows, as identity: RowsIdentity?) throws {
            var rows = ProjectionRows(reader: store, over: nil, identity: identity)
            try projection.apply(packed: EventBatch(events: Array(part)), to: &rows)
            store.commit(rows.writes)
        }
        // The live rows hold a record of the case unlike what its events fold to (as an earlier
        // build might have written), at its first event.
        let live = Rows(), rebuilt = Rows()
        var altered = CaseRecord(id: stream.rawValue, state: CaseWorkflow(rules: try CaseRules.bundled()).initialState, openedAt: t, agreementsPerformed: 99, lastPosition: 1)
        altered.state.stage = .registered
        live.rows[CaseProjection.key(stream)] = CaseProjection.indexRow(slot: 1, lastPosition: 1)
        live.rows[CaseProjection.recordKey(1)] = try CaseProjection.row(altered)
        // A rebuild folds the first two events; the live runner then folds the second onto the
        // altered record (both records now end at position 2); the rebuild folds the third.
        try apply(events[0..<2], to: rebuilt, as: RowsIdentity(slot: .rebuild, generation: 0))
        try apply(events[1..<2], to: live, as: RowsIdentity(slot: .live, generation: 0))
        try apply(events[2..<3], to: rebuilt, as: RowsIdentity(slot: .rebuild, generation: 0))
        let expected = Rows()
        try apply(events[0..<3], to: expected, as: nil)
        #expect(rebuilt.rows == expected.rows, "the rebuild's rows are its own events' fold")
        let record = try CaseProjection.records(rebuilt).first
        #expect(record?.agreementsPerformed == 0)
        #expect(try CaseProjection.records(live).first?.agreementsPerformed == 99, "the live rows keep their own record")
    }

    static func registration() -> CaseCommand.RegisterCase {
        CaseCommand.RegisterCase(
            channel: .inPerson, region: "shanghai",
            parties: [Party(role: .worker, id: "W-1", name: "worker"), Party(role: .employer, id: "E-1", name: "employer")],
            claims: [Claim(type: .remuneration, amount: 5_000)], groups: [], workersInvolved: 1)
    }

    struct NoRows: ProjectionRowReader {
        func value(for key: [UInt8]) throws -> [UInt8]? { nil }
        func forEach(from start: [UInt8]?, _ body: ([UInt8], [UInt8]) throws -> Bool) throws {}
    }

    @Test("a rebuild in one batch (folded in two halves of its cases) equals the projection kept up to date step by step (folded one event at a time)")
    func largeBatch() async throws {
        let h = try MixedHistory()
        for i in ScenarioLibrary.all.indices {
            for step in MixedHistory.steps(i, i) {
                _ = try await h.run.run(step)
                try await h.models.runner.catchUp()
            }
        }
        let caseEvents = try await h.run.store.readLog(after: .beforeFirst, limit: 1_000_000).filter { $0.type.hasPrefix("case.") }.count
        #expect(caseEvents > 1_024, "enough events for the halves: \(caseEvents)")
        let live = try await h.models.caseRecords().sorted { $0.id < $1.id }
        let liveArchives = try await h.run.store.allRows("archives")
        try await h.models.runner.rebuild(["cases", "archives"])
        let rebuilt = try await h.models.caseRecords().sorted { $0.id < $1.id }
        #expect(rebuilt.count > 250)
        #expect(rebuilt == live)
        #expect(try await h.run.store.allRows("archives") == liveArchives)
    }
}

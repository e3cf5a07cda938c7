import DocketCore
import DocketTesting
import Testing

struct InMemoryHarness: EventStoreHarness {
    let clock = ManualClock()
    func makeStore() async throws -> any EventStore { InMemoryEventStore(clock: clock, pollInterval: .milliseconds(50)) }
    func reopen(_ store: any EventStore) async throws -> any EventStore { store }
    func makeImportableStore() async throws -> any ImportableEventStore { InMemoryEventStore(clock: clock) }
}

@Suite("In-memory store conformance")
struct InMemoryConformanceTests {
    @Test(arguments: EventStoreConformance.allCases)
    func conformance(_ check: ConformanceCase) async throws {
        try await check.run(InMemoryHarness())
    }
}

@Suite("In-memory store tamper evidence")
struct InMemoryTamperTests {
    func filledStore() async throws -> InMemoryEventStore {
        let store = InMemoryEventStore(clock: ManualClock())
        for i in 0..<10 {
            try await store.append(to: StreamID(verbatim: "s-\(i % 3)"), expected: .any, events: [Fixtures.event("E", "payload \(i)")], metadata: Fixtures.metadata)
        }
        return store
    }

    @Test("the records of one append, written from their stream's shared layout, are each the bytes the record encodes to alone")
    func sharedLayout() async throws {
        let store = InMemoryEventStore(clock: ManualClock())
        let at = Timestamp(millisecondsSinceEpoch: 1_772_406_000_000)
        let events = [
            NewEvent(type: "A", payload: Array("短".utf8), occurredAt: at),
            NewEvent(type: "MediationAgreementSigned", schemaVersion: 3, payload: Array(repeating: 7, count: 300), occurredAt: Timestamp(millisecondsSinceEpoch: -5)),
            NewEvent(type: "é", payload: [], occurredAt: at),
        ]
        let request = AppendRequest(
            streams: [StreamAppend(stream: StreamID(verbatim: "案-2026-1"), expected: .noStream, events: events),
                      StreamAppend(stream: "s", expected: .any, events: Array(events.reversed()))],
            metadata: CommandMetadata(actor: "调解员:M-1", correlationID: "corr", causationID: nil), idempotencyKey: "cmd-1")
        _ = try await store.append(request)
        let recorded = try await store.readLog(after: .beforeFirst, limit: 10)
        #expect(recorded.count == 6)
        for e in recorded {
            var alone: [UInt8] = []
            RecordCodec.encode(RecordedEventFields(e), into: &alone)
            var stored: [UInt8] = []
            store.tamper(at: e.position) { stored = $0 }
            let same = stored == alone  // compared first: a failure names the record, not all its bytes
            #expect(same, "record \(e.position)")
        }
        #expect(try await store.verify().problem == nil)
    }

    @Test("a flipped payload byte is reported as a hash mismatch at its position")
    func flippedByte() async throws {
        let store = try await filledStore()
        store.tamper(at: LogPosition(6)) { bytes in bytes[bytes.count - 70] ^= 0x20 }
        let report = try await store.verify()
        #expect(report.problem?.kind == .hashMismatch)
        #expect(report.problem?.position == LogPosition(6))
        #expect(report.eventsChecked == 5)
    }

    @Test("a record rewritten with a fresh hash breaks the chain at the next record")
    func rewrittenRecord() async throws {
        let store = try await filledStore()
        let original = try await store.readLog(after: LogPosition(3), limit: 1)[0]
        var fields = RecordedEventFields(original)
        fields.payload = Array("forged".utf8)
        var forged: [UInt8] = []
        RecordCodec.encode(fields, into: &forged)
        store.tamper(at: LogPosition(4)) { $0 = forged }
        let report = try await store.verify()
        #expect(report.problem?.kind == .chainBroken)
        #expect(report.problem?.position == LogPosition(5))
    }

    @Test("a truncated record is reported as undecodable, and reading it throws a corrupt-record error")
    func truncated() async throws {
        let store = try await filledStore()
        store.tamper(at: LogPosition(2)) { $0.removeLast(10) }
        let report = try await store.verify()
        #expect(report.problem?.kind == .undecodableRecord && report.problem?.position == LogPosition(2))
        let error = await #expect(throws: DocketError.self) { _ = try await store.readLog(after: .beforeFirst, limit: 10) }
        #expect(error?.code == .corruptRecord)
    }

    @Test("an import refuses a broken chain and writes nothing of that batch")
    func importRefusesBrokenChain() async throws {
        let source = try await filledStore()
        var events = try await source.readLog(after: .beforeFirst, limit: 100)
        events[4].previousHash = .genesis
        let target = InMemoryEventStore()
        let error = await #expect(throws: DocketError.self) { try await target.importRecords(events) }
        #expect(error?.code == .importRejected)
        #expect(try await target.lastPosition() == .beforeFirst)
    }
}

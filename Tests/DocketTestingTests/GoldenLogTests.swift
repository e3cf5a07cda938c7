import DocketCore
import DocketTesting
import Foundation
import Testing

/// The fixed history behind `Specs/golden/log-v1.ndjson`: two case streams and an organization stream,
/// with and without idempotency keys, correlation and causation, Chinese text and binary payloads.
func buildGoldenLog() async throws -> InMemoryEventStore {
    let clock = ManualClock(Timestamp(millisecondsSinceEpoch: 1_767_600_000_000))
    let store = InMemoryEventStore(clock: clock)
    let day: Int64 = 86_400_000
    try await store.append(
        to: "case-1", expected: .noStream,
        events: [NewEvent(type: "CaseRegistered", payload: Array(#"{"channel":"oneWindow","region":"shandong"}"#.utf8), occurredAt: Timestamp(millisecondsSinceEpoch: 1_767_571_200_000))],
        metadata: CommandMetadata(actor: "registrar:R-1", correlationID: "c-1"), idempotencyKey: "cmd-1")
    clock.advance(milliseconds: 1_500)
    try await store.append(AppendRequest(streams: [
        StreamAppend(stream: "case-1", expected: .exact(.first), events: [
            NewEvent(type: "MediationApplied", payload: Array(#"{"organization":"调解委员会-7"}"#.utf8), occurredAt: Timestamp(millisecondsSinceEpoch: 1_767_571_200_000 + day)),
            NewEvent(type: "MediationAccepted", schemaVersion: 2, payload: [], occurredAt: Timestamp(millisecondsSinceEpoch: 1_767_571_200_000 + 2 * day)),
        ]),
        StreamAppend(stream: "org-7", expected: .any, events: [
            NewEvent(type: "CaseAssigned", payload: [0, 1, 2, 254, 255], occurredAt: Timestamp(millisecondsSinceEpoch: 1_767_571_200_000 + 2 * day)),
        ]),
    ], metadata: CommandMetadata(actor: "organization:O-7", correlationID: "c-1", causationID: "cmd-1"), idempotencyKey: "cmd-2"))
    clock.advance(milliseconds: 60_000)
    try await store.append(
        to: "case-2", expected: .noStream,
        events: [
            NewEvent(type: "CaseRegistered", payload: Array(#"{"oral":true}"#.utf8), occurredAt: Timestamp(millisecondsSinceEpoch: -86_400_000)),
            NewEvent(type: "CaseWithdrawn", payload: Array("撤回".utf8), occurredAt: Timestamp(millisecondsSinceEpoch: 0)),
        ],
        metadata: CommandMetadata(actor: "worker:W-2"))
    return store
}

@Suite("Golden NDJSON log")
struct GoldenLogTests {
    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Specs/golden/log-v1.ndjson")

    @Test("the fixed history exports exactly to the golden file (hashes, fields, NDJSON layout)")
    func exportMatchesGolden() async throws {
        let store = try await buildGoldenLog()
        let tmp = NSTemporaryDirectory() + "golden-\(UUID().uuidString).ndjson"
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        _ = FileManager.default.createFile(atPath: tmp, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: tmp))
        #expect(try await store.exportNDJSON(to: handle) == 6)
        try handle.close()
        let fresh = try Data(contentsOf: URL(fileURLWithPath: tmp))
        if ProcessInfo.processInfo.environment["DOCKET_RECORD_GOLDEN"] == "1" { try fresh.write(to: Self.url) }
        #expect(fresh == (try Data(contentsOf: Self.url)), "the export of the fixed history changed: hashes or NDJSON layout moved")
    }

    @Test("the golden file imports into a fresh store and replays the idempotent command")
    func importGolden() async throws {
        let store = InMemoryEventStore()
        let n = try await store.importNDJSON(from: try FileHandle(forReadingFrom: Self.url))
        #expect(n == 6)
        #expect(try await store.verify().isIntact)
        #expect(try await store.version(of: "case-1") == StreamVersion(3))
        let replay = try await store.append(
            to: "case-1", expected: .noStream,
            events: [NewEvent(type: "CaseRegistered", payload: Array(#"{"channel":"oneWindow","region":"shandong"}"#.utf8), occurredAt: Timestamp(millisecondsSinceEpoch: 1_767_571_200_000))],
            metadata: CommandMetadata(actor: "registrar:R-1", correlationID: "c-1"), idempotencyKey: "cmd-1")
        #expect(replay.isReplay && replay.firstPosition == .first)
    }
}

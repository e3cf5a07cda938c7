import DocketCore
import Foundation
import Synchronization
import Testing

@Suite("Event batches")
struct EventBatchTests {
    static func event(_ n: UInt64, _ type: String, _ payload: [UInt8]) -> RecordedEvent {
        RecordedEvent(
            position: LogPosition(n), stream: StreamID(verbatim: "s-\(n % 3)"), version: StreamVersion(n), type: type, schemaVersion: 1,
            payload: payload, occurredAt: Timestamp(millisecondsSinceEpoch: Int64(n)), recordedAt: Timestamp(millisecondsSinceEpoch: Int64(n)),
            metadata: CommandMetadata(actor: "a"), commandID: nil, previousHash: .genesis, hash: .genesis)
    }

    /// Events with payloads of every size from empty up, among them a run of empty ones.
    static let events: [RecordedEvent] = (1...40).map { (n: Int) -> RecordedEvent in
        var payload: [UInt8] = []
        if !(10...14).contains(n) {
            for k in 0..<(n * 7) { payload.append(UInt8(truncatingIfNeeded: k &* 31 &+ n)) }
        }
        return event(UInt64(n), n % 2 == 0 ? "even" : "odd", payload)
    }

    @Test("a packed batch reads back every payload, in place and copied, and strips the events' own")
    func packing() throws {
        let packed = EventBatch(packing: Self.events)
        #expect(packed.isPacked)
        #expect(packed.count == Self.events.count)
        #expect(packed.last?.position == Self.events.last?.position)
        for i in Self.events.indices {
            #expect(packed.events[i].payload.isEmpty)
            #expect(packed.withPayload(at: i) { span in (0..<span.count).map { span[$0] } } == Self.events[i].payload, "payload \(i) in place")
            #expect(packed.payload(at: i) == Self.events[i].payload, "payload \(i) copied")
            #expect(packed.event(at: i) == Self.events[i], "event \(i) whole")
        }
        #expect(packed.unpacked() == Self.events)
    }

    @Test("a payload's size is given without reading it, packed or not")
    func payloadCounts() {
        let counts = Self.events.map(\.payload.count)
        #expect(counts.contains { $0 > 0 })
        for batch in [EventBatch(events: Self.events), EventBatch(packing: Self.events)] {
            #expect(batch.events.indices.map { batch.payloadCount(at: $0) } == counts)
        }
        var stripped = Self.events
        for i in stripped.indices { stripped[i].payload = [] }
        let bare = EventBatch(events: stripped)
        #expect(bare.events.indices.allSatisfy { bare.payloadCount(at: $0) == 0 })
    }

    @Test("unpacking for a set of types gives those events their payloads and leaves the others without")
    func unpackingTypes() {
        let unpacked = EventBatch(packing: Self.events).unpacked(types: ["even"])
        for (e, original) in zip(unpacked, Self.events) {
            #expect(e.payload == (original.type == "even" ? original.payload : []), "event \(e.position)")
            var withPayload = e
            withPayload.payload = original.payload
            #expect(withPayload == original, "every other field kept")
        }
    }

    @Test("a batch that is not packed reads the events' own payloads; empty batches are neither")
    func unpackedBatches() {
        let plain = EventBatch(events: Self.events)
        #expect(!plain.isPacked)
        for i in Self.events.indices {
            #expect(plain.withPayload(at: i) { $0.count } == Self.events[i].payload.count)
            #expect(plain.payload(at: i) == Self.events[i].payload)
        }
        for empty in [EventBatch(events: []), EventBatch(packing: [])] {
            #expect(empty.isEmpty && !empty.isPacked && empty.last == nil)
        }
    }

    struct Note: Codable, Hashable, BinaryCodable {
        var text: String
        func encode(to w: inout BinaryValueWriter) throws {
            let map = w.beginMap()
            w.field("text", text)
            w.end(map)
        }
        init(text: String) { self.text = text }
        init(from r: inout BinaryValueReader) throws {
            var m = try r.map()
            text = try m.field("text")
        }
    }
    struct Plain: Codable, Hashable { var n: Int }
    struct OldNote: Codable { var body: String }

    static let codec = EventCodec<String> { _ in throw DocketError(.invalidArgument, "not used") }
        .decoding("note", version: 2, as: Note.self) { "note:\($0.text)" }
        .decoding("plain", version: 1, as: Plain.self) { "plain:\($0.n)" }
        .decoding("raw", version: 1) { bytes in "raw:\(bytes.count)" }
        .upcasting("note", from: 1, as: OldNote.self, to: Note.self) { Note(text: $0.body) }

    @Test("decoding a payload in place gives what decoding its copy gives: binary, JSON, a decoding function, an upcast, and the same errors")
    func decodingInPlace() throws {
        let stored: [(String, UInt16, [UInt8])] = [
            ("note", 2, try BinaryPayload.encode(Note(text: "在此"))),
            ("note", 2, try JSONPayload.encode(Note(text: "json"))),
            ("plain", 1, try BinaryPayload.encode(Plain(n: 7))),
            ("plain", 1, Array(#"{"n":8}"#.utf8)),
            ("raw", 1, [1, 2, 3]),
            ("note", 1, try JSONPayload.encode(OldNote(body: "old"))),
        ]
        let events = stored.enumerated().map { i, s in
            var e = Self.event(UInt64(i + 1), s.0, s.2)
            e.schemaVersion = s.1
            return e
        }
        let batch = EventBatch(packing: events)
        let expected = ["note:在此", "note:json", "plain:7", "plain:8", "raw:3", "note:old"]
        for i in events.indices {
            #expect(try Self.codec.decode(events[i]) == expected[i])
            #expect(try Self.codec.decode(batch, at: i) == expected[i])
        }
        // Errors: a malformed payload, an unknown type, a version with neither decoder nor upcaster.
        for (type, version, payload) in [("note", 2 as UInt16, [0xDB, 0x01, 0xFF] as [UInt8]), ("nope", 1, []), ("plain", 9, [])] {
            var e = Self.event(1, type, payload)
            e.schemaVersion = version
            let copied = #expect(throws: DocketError.self) { try Self.codec.decode(e) }
            let inPlace = #expect(throws: DocketError.self) { try Self.codec.decode(EventBatch(packing: [e]), at: 0) }
            #expect(inPlace?.code == .codecFailure)
            #expect(inPlace?.message == copied?.message, "\(type) v\(version)")
        }
    }

    @Test("a batch lists its distinct types in order of first appearance and gives each event's, for a few types and for many")
    func typeTable() {
        for distinct in [1, 3, 32, 33, 34, 100] {
            // Types interleaved, repeated, and each also as a separate string with the same bytes
            // (the batch matches strings by identity first, then by content); long ones and short
            // ones (held inline).
            let names = (0..<distinct).map { $0 % 3 == 1 ? "t\($0)" : "type.number-\($0)-of-a-long-name" }
            var events: [RecordedEvent] = []
            for n in 0..<(distinct * 5) {
                let k = (n * 7 + n / distinct) % distinct
                events.append(Self.event(UInt64(n + 1), n % 2 == 0 ? names[k] : String(decoding: Array(names[k].utf8), as: UTF8.self), [UInt8(n % 256)]))
            }
            var firstSeen: [String] = []
            for e in events where !firstSeen.contains(e.type) { firstSeen.append(e.type) }
            for batch in [EventBatch(events: events), EventBatch(packing: events)] {
                #expect(batch.types == firstSeen, "\(distinct) types")
                #expect(batch.events.indices.allSatisfy { batch.types[batch.typeIndex(at: $0)] == events[$0].type }, "\(distinct) types")
            }
        }
        #expect(EventBatch(events: []).types.isEmpty)
    }

    @Test("a batch lists its distinct streams in order of first appearance and gives each event's, past the table's first size")
    func streamTable() {
        for (count, distinct) in [(1, 1), (10, 3), (200, 200), (6_000, 5_000), (20_000, 700)] {
            var events: [RecordedEvent] = []
            for n in 0..<count {
                let k = (n * 7_919) % distinct
                // Short ids (stored inline) and long ones, each also made again from its bytes.
                let id = k % 3 == 0 ? "case-\(k)" : "an-organization/with-a-long-name-\(k)"
                var e = Self.event(UInt64(n + 1), "t", [])
                e.stream = StreamID(verbatim: n % 2 == 0 ? id : String(decoding: Array(id.utf8), as: UTF8.self))
                // Some streams begin here (version 1 first), others began before the batch.
                e.version = StreamVersion(UInt64(n / distinct + (k % 4 == 0 ? 2 : 1)))
                events.append(e)
            }
            var firstSeen: [StreamID] = []
            var seen = Set<StreamID>()
            for e in events where seen.insert(e.stream).inserted { firstSeen.append(e.stream) }
            // A stream begins in the batch when its first event here is its first at all.
            var firstVersion: [StreamID: StreamVersion] = [:]
            for e in events where firstVersion[e.stream] == nil { firstVersion[e.stream] = e.version }
            for batch in [EventBatch(events: events), EventBatch(packing: events)] {
                #expect(batch.streams == firstSeen, "\(distinct) streams in \(count) events")
                #expect(batch.events.indices.allSatisfy { batch.streams[batch.streamIndex(at: $0)] == events[$0].stream })
                #expect(batch.streams.indices.allSatisfy { batch.streamBegins($0) == (firstVersion[batch.streams[$0]] == .first) })
            }
        }
        #expect(EventBatch(events: []).streams.isEmpty)
    }

    @Test("a decoder looked up once per type decodes as the codec does, for every kind of registration")
    func typeDecoders() throws {
        let cases: [(String, UInt16, [UInt8], String)] = [
            ("note", 2, try BinaryPayload.encode(Note(text: "x")), "note:x"),
            ("raw", 1, [9, 9], "raw:2"),
            ("note", 1, try JSONPayload.encode(OldNote(body: "y")), "note:y"),
        ]
        for (type, version, payload, expected) in cases {
            let decoder = Self.codec.decoder(type: type, schemaVersion: version)
            #expect(decoder.type == type && decoder.schemaVersion == version)
            #expect(try decoder.decode(payload.span) == expected)
        }
        #expect(throws: DocketError.self) { try Self.codec.decoder(type: "nope", schemaVersion: 1).decode([UInt8]().span) }
    }

    /// Records what `apply(batch:)` is given.
    final class Recorder: Projection {
        let seen = Mutex<[RecordedEvent]>([])
        var name: String { "recorder" }
        var eventTypes: Set<String>? { ["odd"] }
        func apply(_ event: RecordedEvent, to rows: inout ProjectionRows) throws { seen.withLock { $0.append(event) } }
    }

    struct NoRows: ProjectionRowReader {
        func value(for key: [UInt8]) throws -> [UInt8]? { nil }
        func forEach(from start: [UInt8]?, _ body: ([UInt8], [UInt8]) throws -> Bool) throws {}
    }

    @Test("a projection that reads only arrays of events gets each handled event of a packed batch with its payload")
    func defaultPackedApply() throws {
        let recorder = Recorder()
        var rows = ProjectionRows(reader: NoRows())
        try recorder.apply(packed: EventBatch(packing: Self.events), to: &rows)
        #expect(recorder.seen.withLock { $0 } == Self.events.filter { $0.type == "odd" })
    }
}

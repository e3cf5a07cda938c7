@_spi(Storage) import DocketCore
import Foundation
import Testing

@Suite("Record format v1")
struct RecordCodecTests {
    @Test("the full sample record matches its golden bytes and decodes to its fields")
    func goldenFull() throws {
        var buffer: [UInt8] = []
        let hash = RecordCodec.encode(Samples.full, into: &buffer)
        let pinned = try golden("record-v1-full.bin", fresh: buffer)
        #expect(buffer == pinned, "the encoder's output changed: the on-disk format must not change silently")
        let e = try RecordCodec.decode(pinned, expectedPosition: LogPosition(42))
        #expect(e.hash == hash)
        #expect(RecordedEventFields(e).payload == Samples.full.payload)
        #expect(e.stream == Samples.full.stream && e.version == Samples.full.version && e.type == Samples.full.type)
        #expect(e.schemaVersion == 2 && e.occurredAt == Samples.full.occurredAt && e.recordedAt == Samples.full.recordedAt)
        #expect(e.metadata == Samples.full.metadata && e.commandID == "cmd-89")
        #expect(e.previousHash == Samples.full.previousHash)
        #expect(e.hash.hex == "\(e.hash)")
        let computed = pinned.withUnsafeBytes { RecordCodec.computedHash(of: $0) }
        #expect(computed == e.hash, "the stored hash is SHA-256 over the bytes before it")
    }

    @Test("a scan's decode cache gives every record its own type and actor, among more distinct strings than it keeps, long and short")
    func decodeCacheReuse() throws {
        var cache = RecordCodec.DecodeCache()
        var rng = SystemRandomNumberGenerator()
        // 50 types and 50 actors of 16 bytes or more (kept and reused), and short ones (inline);
        // and types of the same length that end with the same 8 bytes (the cache compares the
        // length and last bytes first, then the bytes).
        let types = (0..<50).map { "case.event-type-number-\($0)" } + ["T", "short.type"] + (0..<6).map { "kind\($0).with-the-same-last-bytes" }
        let actors = (0..<50).map { "organization:ORG-\($0)" } + ["worker:W-1", ""]
        for i in 0..<2_000 {
            var fields = Samples.full
            fields.position = LogPosition(UInt64(i + 1))
            // Runs of equal strings, and jumps among many.
            fields.type = types[i % 7 == 0 ? i % types.count : Int.random(in: 0..<types.count, using: &rng)]
            fields.metadata = CommandMetadata(actor: actors[Int.random(in: 0..<actors.count, using: &rng)])
            var buffer: [UInt8] = []
            RecordCodec.encode(fields, into: &buffer)
            let e = try buffer.withUnsafeBytes { try RecordCodec.decode($0, expectedPosition: fields.position, cache: &cache) }
            #expect(e.type == fields.type && e.metadata.actor == fields.metadata.actor, "record \(i)")
        }
    }

    @Test("the minimal record (no optional fields, empty payload, negative time) matches its golden bytes")
    func goldenMinimal() throws {
        var buffer: [UInt8] = []
        RecordCodec.encode(Samples.minimal, into: &buffer)
        let pinned = try golden("record-v1-minimal.bin", fresh: buffer)
        #expect(buffer == pinned)
        let e = try RecordCodec.decode(pinned)
        #expect(e.metadata.correlationID == nil && e.metadata.causationID == nil && e.commandID == nil)
        #expect(e.payload.isEmpty && e.occurredAt.millisecondsSinceEpoch == -1 && e.previousHash == .genesis)
    }

    @Test("every truncation of a record is refused as corrupt, never a crash")
    func truncations() throws {
        var buffer: [UInt8] = []
        RecordCodec.encode(Samples.full, into: &buffer)
        for n in 0..<buffer.count {
            #expect(throws: DocketError.self) { try RecordCodec.decode(Array(buffer[..<n])) }
        }
        #expect(throws: DocketError.self) { try RecordCodec.decode(buffer + [0]) }
    }

    @Test("a record stored under another position, a wrong magic or a future format is refused with its code")
    func refusals() throws {
        var buffer: [UInt8] = []
        RecordCodec.encode(Samples.full, into: &buffer)
        let moved = #expect(throws: DocketError.self) { try RecordCodec.decode(buffer, expectedPosition: LogPosition(43)) }
        #expect(moved?.code == .corruptRecord)
        #expect(moved?.message.contains("position 42") == true)
        var magic = buffer
        magic[0] = 0
        #expect((#expect(throws: DocketError.self) { try RecordCodec.decode(magic) })?.code == .corruptRecord)
        var future = buffer
        future[3] = 2
        #expect((#expect(throws: DocketError.self) { try RecordCodec.decode(future) })?.code == .unsupportedFormat)
    }

    @Test("only canonical records decode: unknown flags, a reserved byte, or text under an absent flag are refused")
    func canonical() throws {
        var buffer: [UInt8] = []
        RecordCodec.encode(Samples.minimal, into: &buffer)
        var flags = buffer
        flags[4] = 0x80
        #expect(throws: DocketError.self) { try RecordCodec.decode(flags) }
        var reserved = buffer
        reserved[5] = 1
        #expect(throws: DocketError.self) { try RecordCodec.decode(reserved) }
        // Every accepted record re-encodes to exactly its bytes.
        let e = try RecordCodec.decode(buffer)
        var again: [UInt8] = []
        RecordCodec.encode(RecordedEventFields(e), into: &again)
        #expect(again == buffer)
    }

    @Test("imported fields obey append's limits")
    func importLimits() throws {
        var long = Samples.full
        long.metadata.actor = String(repeating: "a", count: 70_000)
        #expect((#expect(throws: DocketError.self) { try RecordCodec.validate(long) })?.code == .invalidArgument)
        var emptyKey = Samples.full
        emptyKey.commandID = ""
        #expect(throws: DocketError.self) { try RecordCodec.validate(emptyKey) }
        var emptyType = Samples.full
        emptyType.type = ""
        #expect(throws: DocketError.self) { try RecordCodec.validate(emptyType) }
        try RecordCodec.validate(Samples.full)
    }

    @Test("a changed byte changes the computed hash")
    func tamperEvident() throws {
        var buffer: [UInt8] = []
        let hash = RecordCodec.encode(Samples.full, into: &buffer)
        for i in stride(from: 0, to: buffer.count - 32, by: 7) {
            var altered = buffer
            altered[i] ^= 0x01
            let computed = altered.withUnsafeBytes { RecordCodec.computedHash(of: $0) }
            #expect(computed != hash, "flipping byte \(i) went unnoticed")
        }
    }
}

@Suite("Identifiers and values")
struct ValueTests {
    @Test("stream ids are validated")
    func streamIDs() throws {
        // Non-literal text, as input arrives; a literal goes through `init(stringLiteral:)` (SE-0213).
        let empty = String(), withNUL = "a" + "\u{0}" + "b"
        #expect(throws: DocketError.self) { try StreamID(empty) }
        #expect(throws: DocketError.self) { try StreamID(withNUL) }
        #expect(throws: DocketError.self) { try StreamID(String(repeating: "案", count: 67)) }  // 201 bytes
        #expect(try StreamID(String(repeating: "案", count: 66)).rawValue.utf8.count == 198)
    }

    @Test("expected versions")
    func expectedVersions() {
        #expect(ExpectedVersion.any.isSatisfied(by: .none) && ExpectedVersion.any.isSatisfied(by: StreamVersion(9)))
        #expect(ExpectedVersion.noStream.isSatisfied(by: .none) && !ExpectedVersion.noStream.isSatisfied(by: .first))
        #expect(!ExpectedVersion.streamExists.isSatisfied(by: .none) && ExpectedVersion.streamExists.isSatisfied(by: .first))
        #expect(ExpectedVersion.exact(StreamVersion(3)).isSatisfied(by: StreamVersion(3)))
        #expect(!ExpectedVersion.exact(StreamVersion(3)).isSatisfied(by: StreamVersion(4)))
    }

    @Test("hashes round-trip through hex and bytes")
    func hashes() {
        let hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
        let h = EventHash(hex: hex)
        #expect(h?.hex == hex)
        #expect(h.flatMap { EventHash(bytes: $0.bytes) } == h)
        #expect(EventHash(hex: "xyz") == nil && EventHash(hex: String(repeating: "g", count: 64)) == nil)
        #expect(EventHash.genesis.bytes == [UInt8](repeating: 0, count: 32))
    }

    @Test("timestamps parse ISO 8601 with and without fractions, and print UTC with milliseconds")
    func timestamps() {
        #expect(Timestamp(iso8601: "2026-03-02T09:30:00+08:00")?.millisecondsSinceEpoch == 1_772_415_000_000)
        #expect(Timestamp(iso8601: "2026-03-02T01:30:00.250Z")?.millisecondsSinceEpoch == 1_772_415_000_250)
        #expect(Timestamp(iso8601: "2026-03-02") == nil)
        #expect(Timestamp(millisecondsSinceEpoch: 1_772_415_000_250).iso8601 == "2026-03-02T01:30:00.250Z")
        #expect(Timestamp(iso8601: "2026-03-02T01:30:00.25+08:00")?.millisecondsSinceEpoch == 1_772_386_200_250)
        #expect(Timestamp(iso8601: "2026-03-02T01:30:00.Z") == nil)
    }

    @Test("every millisecond prints and parses back exactly (printing went through a Double and lost some)")
    func timestampsRoundTripExactly() {
        let formatter = Date.ISO8601FormatStyle()
        var generator = SystemRandomNumberGenerator()
        var samples: [Int64] = [0, -1, 1, 2, -5, 999, -999, 1_772_406_000_002, 253_402_300_799_999, -2_208_988_800_000]
        for _ in 0..<20_000 { samples.append(Int64.random(in: -2_208_988_800_000...253_402_300_799_999, using: &generator)) }
        for ms in samples {
            let t = Timestamp(millisecondsSinceEpoch: ms)
            let text = t.iso8601
            #expect(Timestamp(iso8601: text) == t, "\(ms) printed as \(text)")
            // The whole seconds agree with Foundation's own formatting.
            let seconds = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000)
            let whole = Date(timeIntervalSince1970: Double(seconds)).formatted(formatter)
            #expect(text.prefix(19) == whole.prefix(19), "\(ms): \(text) against \(whole)")
        }
    }

    @Test("the request fingerprint changes with any event field and ignores expected versions")
    func fingerprints() {
        let e = NewEvent(type: "A", payload: [1, 2], occurredAt: Timestamp(millisecondsSinceEpoch: 5))
        let base = AppendRequest(stream: "s", expected: .any, events: [e], metadata: CommandMetadata(actor: "x"))
        var other = base
        other.streams[0].expected = .noStream
        #expect(IdempotencyEntry.fingerprint(of: base) == IdempotencyEntry.fingerprint(of: other))
        for change in [
            { (r: inout AppendRequest) in r.streams[0].events[0].payload = [1, 3] },
            { (r: inout AppendRequest) in r.streams[0].events[0].type = "B" },
            { (r: inout AppendRequest) in r.streams[0].events[0].schemaVersion = 2 },
            { (r: inout AppendRequest) in r.streams[0].events[0].occurredAt = Timestamp(millisecondsSinceEpoch: 6) },
            { (r: inout AppendRequest) in r.streams[0].stream = "t" },
            { (r: inout AppendRequest) in r.metadata.actor = "y" },
        ] {
            var changed = base
            change(&changed)
            #expect(IdempotencyEntry.fingerprint(of: changed) != IdempotencyEntry.fingerprint(of: base))
        }
    }
}

@Suite("NDJSON lines")
struct NDJSONTests {
    func sample() throws -> RecordedEvent {
        var buffer: [UInt8] = []
        RecordCodec.encode(Samples.full, into: &buffer)
        return try RecordCodec.decode(buffer)
    }

    @Test("a line round-trips every field")
    func roundTrip() throws {
        let e = try sample()
        let line = LogNDJSON.encode(e)
        #expect(!line.contains("\n"))
        #expect(try LogNDJSON.decode(line, lineNumber: 1) == e)
    }

    @Test("malformed or altered lines are refused naming the line")
    func refusals() throws {
        let line = LogNDJSON.encode(try sample())
        let cases = [
            "{not json",
            line.replacingOccurrences(of: #""version":7"#, with: #""version":8"#),
            line.replacingOccurrences(of: #""actor":"mediator:M-0017""#, with: #""actor":"mediator:M-0018""#),
            line.replacingOccurrences(of: #""stream":"case-2026-沪-000123""#, with: #""stream":"""#),
            line.replacingOccurrences(of: #""hash":""#, with: #""hash":"zz"#),
            line.replacingOccurrences(of: #""actor":"mediator:M-0017""#, with: "\"actor\":\"\(String(repeating: "a", count: 70_000))\""),
            line.replacingOccurrences(of: #""commandId":"cmd-89""#, with: #""commandId":"""#),
        ]
        for text in cases {
            let error = #expect(throws: DocketError.self) { try LogNDJSON.decode(text, lineNumber: 17) }
            #expect(error?.code == .importRejected)
            #expect(error?.message.hasPrefix("line 17:") == true, "\(error?.message ?? "")")
        }
    }

    @Test("the chain checker refuses a gap and a broken link, naming the line")
    func chain() throws {
        let e = try sample()
        var checker = LogNDJSON.ChainChecker(after: ChainHead(position: LogPosition(41), hash: Samples.full.previousHash))
        try checker.accept(e, lineNumber: 1)
        var gap = e
        gap.position = LogPosition(44)
        gap.previousHash = e.hash
        #expect((#expect(throws: DocketError.self) { try checker.accept(gap, lineNumber: 2) })?.message.contains("line 2") == true)
        var broken = e
        broken.position = LogPosition(43)
        #expect((#expect(throws: DocketError.self) { try checker.accept(broken, lineNumber: 3) })?.message.contains("chain is broken") == true)
    }
}

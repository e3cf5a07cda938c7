internal import Crypto
#if canImport(Glibc)
import Glibc
#endif

/// The binary record format of the event log, version 1. `Specs/format.md` documents the byte
/// layout; golden files in the tests pin it.
///
/// A record is: magic `DKR`, format version, flags, schema version, position, stream version,
/// occurred-at, recorded-at, six length-prefixed strings (stream, type, actor, correlation,
/// causation, command id), the length-prefixed payload, the previous record's hash and the
/// record's own hash, SHA-256 over every byte before it. Integers are little-endian.
public enum RecordCodec {
    /// The format version this build writes and reads.
    public static let formatVersion: UInt8 = 1
    static let magic: (UInt8, UInt8, UInt8) = (0x44, 0x4B, 0x52)  // "DKR"
    static let fixedHeaderSize = 40
    static let maximumStringLength = 200
    /// The largest payload accepted, in bytes (16 MiB).
    public static let maximumPayloadSize = 16 << 20

    static let flagCorrelation: UInt8 = 1 << 0
    static let flagCausation: UInt8 = 1 << 1
    static let flagCommandID: UInt8 = 1 << 2

    /// Encodes a record into `buffer` (replacing its contents) and returns the record's hash, which
    /// is also the buffer's last 32 bytes.
    @discardableResult
    public static func encode(_ event: RecordedEventFields, into buffer: inout [UInt8]) -> EventHash {
        let template = Template(stream: event.stream, recordedAt: event.recordedAt, metadata: event.metadata, commandID: event.commandID)
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: repeatElement(0, count: template.size(type: event.type, payload: event.payload)))
        return buffer.withUnsafeMutableBytes { raw in
            template.encode(
                type: event.type, schemaVersion: event.schemaVersion, payload: event.payload, occurredAt: event.occurredAt,
                position: event.position, version: event.version, previousHash: event.previousHash, into: raw)
        }
    }

    /// What the records of one stream in one append share — the stream, the recording instant, the
    /// metadata and the command id — laid out once in record form, so that each record writes only
    /// its own fields (type, schema version, payload, occurred-at, position, version, hashes).
    struct Template {
        let flags: UInt8
        let recordedAt: Int64
        /// The stream as a length-prefixed string.
        let stream: [UInt8]
        /// Actor, correlation id, causation id and command id, each length-prefixed, back to back.
        let trailer: [UInt8]

        init(stream: StreamID, recordedAt: Timestamp, metadata: CommandMetadata, commandID: String?) {
            var flags: UInt8 = 0
            if metadata.correlationID != nil { flags |= flagCorrelation }
            if metadata.causationID != nil { flags |= flagCausation }
            if commandID != nil { flags |= flagCommandID }
            self.flags = flags
            self.recordedAt = recordedAt.millisecondsSinceEpoch
            var head: [UInt8] = []
            appendString(stream.rawValue, to: &head)
            self.stream = head
            var trailer: [UInt8] = []
            for text in [metadata.actor, metadata.correlationID ?? "", metadata.causationID ?? "", commandID ?? ""] {
                appendString(text, to: &trailer)
            }
            self.trailer = trailer
        }

        /// Encodes the records of `events` in turn, continuing `chain` (position and hash) and the
        /// stream's `version`. `put` is given each record's size and position, and a closure that
        /// writes the record into memory of that size (the store's own, where it can). A loop of its
        /// own, outside the appender's generic code, so that the events are read in place.
        func encodeRun(
            _ events: [NewEvent], chain: inout ChainHead, version: inout StreamVersion,
            put: (_ size: Int, _ position: LogPosition, _ write: (UnsafeMutableRawBufferPointer) -> Void) throws -> Void
        ) rethrows {
            for i in events.indices {
                version = version.next
                let position = chain.position.next, previous = chain.hash, v = version
                var hash = EventHash.genesis
                try put(size(type: events[i].type, payload: events[i].payload), position) { raw in
                    hash = encode(
                        type: events[i].type, schemaVersion: events[i].schemaVersion, payload: events[i].payload,
                        occurredAt: events[i].occurredAt, position: position, version: v, previousHash: previous, into: raw)
                }
                chain = ChainHead(position: position, hash: hash)
            }
        }

        /// The size of a record of this template with the given type and payload.
        func size(type: String, payload: [UInt8]) -> Int {
            fixedHeaderSize + stream.count + 2 + type.utf8.count + trailer.count + 4 + payload.count + 2 * 32
        }

        /// Encodes one record into `raw`, which is exactly ``size(type:payload:)`` bytes, in one
        /// pass, and returns the record's hash (also its last 32 bytes).
        func encode(
            type: String, schemaVersion: UInt16, payload: [UInt8], occurredAt: Timestamp, position: LogPosition,
            version: StreamVersion, previousHash: EventHash, into raw: UnsafeMutableRawBufferPointer
        ) -> EventHash {
            var type = type
            raw[0] = magic.0; raw[1] = magic.1; raw[2] = magic.2
            raw[3] = formatVersion
            raw[4] = flags
            raw[5] = 0
            raw.storeBytes(of: schemaVersion.littleEndian, toByteOffset: 6, as: UInt16.self)
            raw.storeBytes(of: position.value.littleEndian, toByteOffset: 8, as: UInt64.self)
            raw.storeBytes(of: version.value.littleEndian, toByteOffset: 16, as: UInt64.self)
            raw.storeBytes(of: occurredAt.millisecondsSinceEpoch.littleEndian, toByteOffset: 24, as: Int64.self)
            raw.storeBytes(of: recordedAt.littleEndian, toByteOffset: 32, as: Int64.self)
            var offset = fixedHeaderSize
            func copy(_ bytes: UnsafeRawBufferPointer) {
                if let base = bytes.baseAddress, !bytes.isEmpty { (raw.baseAddress! + offset).copyMemory(from: base, byteCount: bytes.count) }
                offset += bytes.count
            }
            stream.withUnsafeBytes(copy)
            type.withUTF8 { utf8 in
                raw.storeBytes(of: UInt16(utf8.count).littleEndian, toByteOffset: offset, as: UInt16.self)
                offset += 2
                copy(UnsafeRawBufferPointer(utf8))
            }
            trailer.withUnsafeBytes(copy)
            raw.storeBytes(of: UInt32(payload.count).littleEndian, toByteOffset: offset, as: UInt32.self)
            offset += 4
            payload.withUnsafeBytes(copy)
            storeHash(previousHash, in: raw, at: offset)
            let hash = digest(UnsafeRawBufferPointer(rebasing: raw[..<(offset + 32)]))
            storeHash(hash, in: raw, at: offset + 32)
            assert(offset + 64 == raw.count, "a record's size is computed from the same fields")
            return hash
        }
    }

    /// Stores a hash's 32 bytes in digest order at `offset`.
    @inline(__always)
    static func storeHash(_ h: EventHash, in raw: UnsafeMutableRawBufferPointer, at offset: Int) {
        raw.storeBytes(of: h.w0.bigEndian, toByteOffset: offset, as: UInt64.self)
        raw.storeBytes(of: h.w1.bigEndian, toByteOffset: offset + 8, as: UInt64.self)
        raw.storeBytes(of: h.w2.bigEndian, toByteOffset: offset + 16, as: UInt64.self)
        raw.storeBytes(of: h.w3.bigEndian, toByteOffset: offset + 24, as: UInt64.self)
    }

    /// Decodes a record. `expectedPosition`, when given, must match the position inside the record.
    /// - Throws: ``DocketError`` with code ``DocketError/Code/corruptRecord`` or
    ///   ``DocketError/Code/unsupportedFormat``, naming the position.
    @_spi(Storage) public static func decode(_ bytes: UnsafeRawBufferPointer, expectedPosition: LogPosition? = nil) throws(DocketError) -> RecordedEvent {
        var cache = DecodeCache()
        return try decode(bytes, expectedPosition: expectedPosition, cache: &cache)
    }

    /// Strings of recent records, reused when a record holds the same bytes: in a scan, event types
    /// and actors repeat from record to record, and reusing them skips UTF-8 validation and, for a
    /// string too long to be stored inline (16 bytes or more, as most event types are), an
    /// allocation. The strings of the previous record are tried first, then a few recent ones.
    @_spi(Storage) public struct DecodeCache {
        var type = ""
        var actor = ""
        var recentTypes = RecentStrings()
        var recentActors = RecentStrings()
        /// Leave payloads out (empty) for readers that do not look at them: the copy of the payload
        /// is most of the cost of decoding a record.
        public var skipPayloads = false
        /// Append payloads to ``packedPayloads`` (and where each ends to ``packedEnds``) and leave
        /// the events' own empty: one buffer for a batch (``EventBatch``) instead of an array each.
        public var packsPayloads = false
        /// The payloads packed so far, back to back.
        public var packedPayloads: [UInt8] = []
        /// Where each packed payload ends in ``packedPayloads``.
        public var packedEnds: [Int] = []
        /// When not nil, the type and stream tables of the records decoded so far, for an
        /// ``EventBatch`` of the decoded events: for one batch, whose events are all kept until
        /// the tables are (a type string is recognised by its storage, which must not be freed and
        /// reused meanwhile).
        public var tables: EventBatch.Tables?
        /// An empty cache; with `tables` (empty ones), it builds the tables of the events decoded.
        public init(skipPayloads: Bool = false, packsPayloads: Bool = false, tables: EventBatch.Tables? = nil) {
            self.skipPayloads = skipPayloads
            self.packsPayloads = packsPayloads && !skipPayloads
            self.tables = tables
        }
    }

    /// Decodes a record, reusing `cache`'s strings where the bytes match.
    @_spi(Storage) public static func decode(_ bytes: UnsafeRawBufferPointer, expectedPosition: LogPosition?, cache: inout DecodeCache) throws(DocketError) -> RecordedEvent {
        var reader = ByteReader(bytes: bytes, position: expectedPosition)
        guard bytes.count >= fixedHeaderSize + 2 * 6 + 4 + 64 else {
            throw reader.corrupt("record is \(bytes.count) bytes, shorter than any valid record")
        }
        guard bytes[0] == magic.0, bytes[1] == magic.1, bytes[2] == magic.2 else {
            throw reader.corrupt("record does not start with the magic bytes DKR")
        }
        guard bytes[3] == formatVersion else {
            throw DocketError(.unsupportedFormat, "record\(reader.at) has format version \(bytes[3]); this build reads version \(formatVersion)")
        }
        let flags = bytes[4]
        guard flags & ~(flagCorrelation | flagCausation | flagCommandID) == 0, bytes[5] == 0 else {
            throw reader.corrupt("unknown flag bits \(flags) or a non-zero reserved byte \(bytes[5])")
        }
        reader.offset = 6
        let schemaVersion: UInt16 = reader.readLE()
        let position = LogPosition(reader.readLE())
        if let expectedPosition, expectedPosition != position {
            throw reader.corrupt("record holds position \(position) but is stored at \(expectedPosition)")
        }
        reader.position = position
        let version = StreamVersion(reader.readLE())
        let occurredAt = Timestamp(millisecondsSinceEpoch: reader.readLE())
        let recordedAt = Timestamp(millisecondsSinceEpoch: reader.readLE())
        let streamBytes = try reader.readRaw()
        let type = reuse(try reader.readRaw(), &cache.type, &cache.recentTypes)
        let actor = reuse(try reader.readRaw(), &cache.actor, &cache.recentActors)
        let correlation = try reader.readString()
        let causation = try reader.readString()
        let commandID = try reader.readString()
        let payloadCount = Int(try reader.readCheckedLE() as UInt32)
        let payload: [UInt8]
        if cache.packsPayloads {
            payload = try reader.appendBytes(payloadCount, to: &cache.packedPayloads)
            cache.packedEnds.append(cache.packedPayloads.count)
        } else {
            payload = cache.skipPayloads ? try reader.skipBytes(payloadCount) : try reader.readBytes(payloadCount)
        }
        let previous = try reader.readHash()
        let hash = try reader.readHash()
        guard reader.offset == bytes.count else {
            throw reader.corrupt("record has \(bytes.count - reader.offset) trailing bytes")
        }
        // Canonical form: an absent optional string is written empty, so re-encoding gives the same bytes.
        guard (flags & flagCorrelation != 0 || correlation.isEmpty), (flags & flagCausation != 0 || causation.isEmpty),
            (flags & flagCommandID != 0 || commandID.isEmpty)
        else {
            throw reader.corrupt("an optional string marked absent is not empty")
        }
        // A stream met before in the batch is taken from its table: checked and made once.
        let stream =
            cache.tables != nil
            ? try cache.tables!.add(type: type, streamUTF8: streamBytes, version: version) { () throws(DocketError) in try streamID(streamBytes, reader) }
            : try streamID(streamBytes, reader)
        return RecordedEvent(
            position: position, stream: stream, version: version, type: type, schemaVersion: schemaVersion,
            payload: payload, occurredAt: occurredAt, recordedAt: recordedAt,
            metadata: CommandMetadata(
                actor: actor,
                correlationID: flags & flagCorrelation != 0 ? correlation : nil,
                causationID: flags & flagCausation != 0 ? causation : nil),
            commandID: flags & flagCommandID != 0 ? commandID : nil,
            previousHash: previous, hash: hash)
    }

    /// The stream id of a record's stream bytes, checked.
    private static func streamID(_ bytes: UnsafeRawBufferPointer, _ reader: ByteReader) throws(DocketError) -> StreamID {
        guard !bytes.isEmpty, bytes.count <= StreamID.maximumUTF8Length, !bytes.contains(0) else {
            throw reader.corrupt("invalid stream id of \(bytes.count) bytes")
        }
        return StreamID(trusted: String(decoding: bytes, as: UTF8.self))
    }

    /// Decodes a record held in an array.
    public static func decode(_ bytes: [UInt8], expectedPosition: LogPosition? = nil) throws(DocketError) -> RecordedEvent {
        let result: Result<RecordedEvent, DocketError> = bytes.withUnsafeBytes { raw in
            do throws(DocketError) { return .success(try decode(raw, expectedPosition: expectedPosition)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// SHA-256 over the record's bytes before its stored hash: what the stored hash must equal.
    @_spi(Storage) public static func computedHash(of record: UnsafeRawBufferPointer) -> EventHash? {
        guard record.count > 32 else { return nil }
        return digest(UnsafeRawBufferPointer(rebasing: record[..<(record.count - 32)]))
    }

    @inline(__always)
    static func reuse(_ raw: UnsafeRawBufferPointer, _ cached: inout String, _ recent: inout RecentStrings) -> String {
        if !equal(&cached, raw) { cached = raw.isEmpty ? "" : recent.string(raw) }
        return cached
    }

    @inline(__always)
    static func equal(_ s: inout String, _ raw: UnsafeRawBufferPointer) -> Bool {
        s.withUTF8 { c in c.count == raw.count && (raw.isEmpty || memcmp(c.baseAddress!, raw.baseAddress!, raw.count) == 0) }
    }

    /// A few strings decoded lately, kept when they are too long to be stored inline: a string
    /// seen again is reused; a new one replaces the oldest.
    struct RecentStrings {
        private var strings: [String] = []
        /// Each string's length and last 8 bytes, compared before its bytes: most strings of a
        /// scan differ there (event types share their first bytes), so a lookup compares the
        /// bytes of one string, not of each string of the same length.
        private var tails: [Tail] = []
        private var next = 0
        private static let capacity = 32

        private struct Tail: Equatable {
            var count: Int
            var last8: UInt64
            init(_ raw: UnsafeRawBufferPointer) {
                count = raw.count
                last8 = raw.loadUnaligned(fromByteOffset: raw.count - 8, as: UInt64.self)
            }
        }

        mutating func string(_ raw: UnsafeRawBufferPointer) -> String {
            // Up to 15 bytes of UTF-8 are stored inline: nothing to save by reusing them.
            guard raw.count > 15 else { return String(decoding: raw, as: UTF8.self) }
            let tail = Tail(raw)
            for i in tails.indices where tails[i] == tail && RecordCodec.equal(&strings[i], raw) { return strings[i] }
            let s = String(decoding: raw, as: UTF8.self)
            if strings.count < Self.capacity {
                strings.append(s)
                tails.append(tail)
            } else {
                strings[next] = s
                tails[next] = tail
                next = (next + 1) % Self.capacity
            }
            return s
        }
    }

    static func digest(of buffer: [UInt8]) -> EventHash {
        buffer.withUnsafeBytes { digest($0) }
    }

    static func digest(_ raw: UnsafeRawBufferPointer) -> EventHash {
        EventHash(SHA256.hash(data: raw))
    }

    @inline(__always)
    static func appendLE<T: FixedWidthInteger>(_ value: T, to buffer: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
    }

    static func appendString(_ text: String, to buffer: inout [UInt8]) {
        var text = text
        text.withUTF8 { utf8 in
            appendLE(UInt16(utf8.count), to: &buffer)
            buffer.append(contentsOf: utf8)
        }
    }

    /// Checks that a record's fields are within the format's limits (what `append` enforces), so that
    /// imported records obey the same rules as appended ones.
    public static func validate(_ e: RecordedEventFields) throws(DocketError) {
        guard !e.type.isEmpty else { throw DocketError(.invalidArgument, "the event type name is empty") }
        try validate(text: e.type, "event type name")
        try validate(text: e.metadata.actor, "actor")
        if let c = e.metadata.correlationID { try validate(text: c, "correlation id") }
        if let c = e.metadata.causationID { try validate(text: c, "causation id") }
        if let k = e.commandID {
            guard !k.isEmpty else { throw DocketError(.invalidArgument, "the command id is empty") }
            try validate(text: k, "command id")
        }
        guard e.payload.count <= maximumPayloadSize else {
            throw DocketError(.invalidArgument, "a payload of \(e.payload.count) bytes exceeds the limit of \(maximumPayloadSize)")
        }
        guard e.version != .none, e.position != .beforeFirst else {
            throw DocketError(.invalidArgument, "version and position start at 1")
        }
    }

    /// Checks a metadata string (actor, ids, keys): at most 200 UTF-8 bytes.
    public static func validate(text: String, _ what: String) throws(DocketError) {
        let count = text.utf8.count
        guard count <= maximumStringLength else {
            throw DocketError(.invalidArgument, "\(what) is \(count) UTF-8 bytes; at most \(maximumStringLength) are allowed")
        }
    }
}

/// The fields a record is encoded from. Identical to ``RecordedEvent`` minus its own hash.
public struct RecordedEventFields: Sendable {
    /// Position in the log.
    public var position: LogPosition
    /// The stream.
    public var stream: StreamID
    /// Version within the stream.
    public var version: StreamVersion
    /// Event type name.
    public var type: String
    /// Payload schema version.
    public var schemaVersion: UInt16
    /// Payload bytes.
    public var payload: [UInt8]
    /// Valid time.
    public var occurredAt: Timestamp
    /// Transaction time.
    public var recordedAt: Timestamp
    /// Actor, correlation, causation.
    public var metadata: CommandMetadata
    /// The append's idempotency key.
    public var commandID: String?
    /// The previous record's hash.
    public var previousHash: EventHash

    /// Creates the fields of a record.
    public init(
        position: LogPosition, stream: StreamID, version: StreamVersion, type: String, schemaVersion: UInt16,
        payload: [UInt8], occurredAt: Timestamp, recordedAt: Timestamp, metadata: CommandMetadata,
        commandID: String?, previousHash: EventHash
    ) {
        self.position = position
        self.stream = stream
        self.version = version
        self.type = type
        self.schemaVersion = schemaVersion
        self.payload = payload
        self.occurredAt = occurredAt
        self.recordedAt = recordedAt
        self.metadata = metadata
        self.commandID = commandID
        self.previousHash = previousHash
    }

    /// The fields of a recorded event.
    public init(_ e: RecordedEvent) {
        self.init(
            position: e.position, stream: e.stream, version: e.version, type: e.type, schemaVersion: e.schemaVersion,
            payload: e.payload, occurredAt: e.occurredAt, recordedAt: e.recordedAt, metadata: e.metadata,
            commandID: e.commandID, previousHash: e.previousHash)
    }
}

extension EventHash {
    init(_ digest: SHA256.Digest) {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        digest.withUnsafeBytes { raw in
            words.0 = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
            words.1 = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            words.2 = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
            words.3 = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
        }
        self.init(w0: words.0, w1: words.1, w2: words.2, w3: words.3)
    }
}

/// Bounds-checked reading of a record.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var position: LogPosition?
    var offset = 0

    var at: String { position.map { " at position \($0)" } ?? "" }

    @inline(never)
    func corrupt(_ why: String) -> DocketError {
        DocketError(.corruptRecord, "record\(at) is corrupt: \(why)")
    }

    /// Reads an integer the caller has already bounds-checked (the fixed header).
    @inline(__always)
    mutating func readLE<T: FixedWidthInteger>() -> T {
        let v = T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += MemoryLayout<T>.size
        return v
    }

    @inline(__always)
    mutating func readCheckedLE<T: FixedWidthInteger>() throws(DocketError) -> T {
        guard offset + MemoryLayout<T>.size <= bytes.count else { throw corrupt("truncated at byte \(offset)") }
        return readLE()
    }

    @inline(__always)
    mutating func readRaw() throws(DocketError) -> UnsafeRawBufferPointer {
        let count = Int(try readCheckedLE() as UInt16)
        guard offset + count <= bytes.count else { throw corrupt("string of \(count) bytes runs past the end at byte \(offset)") }
        let raw = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
        offset += count
        return raw
    }

    @inline(__always)
    mutating func readString() throws(DocketError) -> String {
        let raw = try readRaw()
        return raw.isEmpty ? "" : String(decoding: raw, as: UTF8.self)
    }

    /// Moves past `count` bytes; returns an empty array in their place.
    @inline(__always)
    mutating func skipBytes(_ count: Int) throws(DocketError) -> [UInt8] {
        guard offset + count <= bytes.count else { throw corrupt("payload of \(count) bytes runs past the end at byte \(offset)") }
        offset += count
        return []
    }

    /// Appends the next `count` bytes to `buffer`; returns an empty array in their place.
    @inline(__always)
    mutating func appendBytes(_ count: Int, to buffer: inout [UInt8]) throws(DocketError) -> [UInt8] {
        guard offset + count <= bytes.count else { throw corrupt("payload of \(count) bytes runs past the end at byte \(offset)") }
        buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)]))
        offset += count
        return []
    }

    @inline(__always)
    mutating func readBytes(_ count: Int) throws(DocketError) -> [UInt8] {
        guard offset + count <= bytes.count else { throw corrupt("payload of \(count) bytes runs past the end at byte \(offset)") }
        let source = bytes.baseAddress! + offset
        let out = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { buffer.baseAddress!.initialize(from: source.assumingMemoryBound(to: UInt8.self), count: count) }
            initialized = count
        }
        offset += count
        return out
    }

    @inline(__always)
    mutating func readHash() throws(DocketError) -> EventHash {
        guard offset + 32 <= bytes.count else { throw corrupt("hash truncated at byte \(offset)") }
        let h = EventHash(
            w0: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)),
            w1: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)),
            w2: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self)),
            w3: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: offset + 24, as: UInt64.self)))
        offset += 32
        return h
    }
}

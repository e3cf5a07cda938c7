#if canImport(Glibc)
import Glibc
#endif

/// A batch of the log's events as the projection runner reads it: the events in log order, with
/// their payloads either inside each event (as ``EventStore/readLog(after:limit:payloads:)`` gives
/// them) or packed back to back in one buffer that the whole batch shares.
///
/// A packed batch costs one allocation for all its payloads instead of one per event, and its
/// payloads are read where they lie (``withPayload(at:_:)``), so a projection that decodes them
/// (``Projection/apply(packed:to:)``) copies nothing. In a packed batch, each element of ``events``
/// has an empty `payload`: read payloads through the batch, or take ``event(at:)`` or
/// ``unpacked(types:)`` for events that carry their own.
public struct EventBatch: Sendable {
    /// The events, in log order. In a packed batch their `payload` is empty.
    public let events: [RecordedEvent]
    /// The payloads of a packed batch, back to back, in the events' order.
    @usableFromInline let payloadBytes: [UInt8]
    /// Where each event's payload ends in ``payloadBytes`` (the next one starts there); empty when
    /// the batch is not packed.
    @usableFromInline let payloadEnds: [Int]
    /// The distinct event types of the batch, in the order they first appear: a projection looks
    /// up what it does with each type once per batch (``typeIndex(at:)``), not once per event.
    public let types: [String]
    /// Each event's type, as its index in ``types``.
    @usableFromInline let typeIndexes: [UInt32]
    /// The distinct streams of the batch, in the order they first appear: a projection that works
    /// per stream finds its place by ``streamIndex(at:)`` instead of hashing the stream's id.
    public let streams: [StreamID]
    /// Each event's stream, as its index in ``streams``.
    @usableFromInline let streamIndexes: [UInt32]
    /// For each of ``streams``, whether its first event in the batch is the stream's first event.
    @usableFromInline let streamBeginnings: [Bool]

    /// A batch whose events carry their own payloads (or none, when they were read without).
    public init(events: [RecordedEvent]) {
        self.events = events
        payloadBytes = []
        payloadEnds = []
        (types, typeIndexes) = Self.typeTable(events)
        (streams, streamIndexes, streamBeginnings) = Self.streamTable(events)
    }

    /// A packed batch made from events that carry their payloads: the payloads are copied into one
    /// buffer and left out of the events. For stores and tests; the LMDB store packs as it reads.
    public init(packing events: [RecordedEvent]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(events.reduce(0) { $0 + $1.payload.count })
        var ends: [Int] = []
        ends.reserveCapacity(events.count)
        var stripped = events
        for i in stripped.indices {
            bytes.append(contentsOf: stripped[i].payload)
            ends.append(bytes.count)
            stripped[i].payload = []
        }
        self.init(packed: stripped, payloadBytes: bytes, payloadEnds: ends)
    }

    /// A packed batch: `events` without payloads; event `i`'s payload is `payloadBytes` up to
    /// `payloadEnds[i]`, from where the one before ends.
    @_spi(Storage) public init(packed events: [RecordedEvent], payloadBytes: [UInt8], payloadEnds: [Int]) {
        precondition(payloadEnds.count == events.count, "one payload end per event")
        precondition(payloadEnds.last.map { $0 == payloadBytes.count } ?? payloadBytes.isEmpty, "the last payload ends where the buffer does")
        self.events = events
        self.payloadBytes = payloadBytes
        self.payloadEnds = events.isEmpty ? [] : payloadEnds
        (types, typeIndexes) = Self.typeTable(events)
        (streams, streamIndexes, streamBeginnings) = Self.streamTable(events)
    }

    /// A packed batch whose type and stream tables were built as its events were decoded
    /// (``Tables``), in one pass over the records instead of two more over the events.
    @_spi(Storage) public init(packed events: [RecordedEvent], payloadBytes: [UInt8], payloadEnds: [Int], tables: Tables) {
        precondition(payloadEnds.count == events.count, "one payload end per event")
        precondition(payloadEnds.last.map { $0 == payloadBytes.count } ?? payloadBytes.isEmpty, "the last payload ends where the buffer does")
        precondition(tables.typeIndexes.count == events.count && tables.streamIndexes.count == events.count, "tables of the same events")
        self.events = events
        self.payloadBytes = payloadBytes
        self.payloadEnds = events.isEmpty ? [] : payloadEnds
        (types, typeIndexes) = (tables.types.types, tables.typeIndexes)
        (streams, streamIndexes, streamBeginnings) = (tables.streams.streams, tables.streamIndexes, tables.streams.begins)
    }

    /// A batch without payloads whose tables were built as its events were decoded (``Tables``).
    @_spi(Storage) public init(events: [RecordedEvent], tables: Tables) {
        precondition(tables.typeIndexes.count == events.count && tables.streamIndexes.count == events.count, "tables of the same events")
        self.events = events
        payloadBytes = []
        payloadEnds = []
        (types, typeIndexes) = (tables.types.types, tables.typeIndexes)
        (streams, streamIndexes, streamBeginnings) = (tables.streams.streams, tables.streamIndexes, tables.streams.begins)
    }

    /// The type and stream tables of a batch (``types``, ``streams`` and each event's index in
    /// them), built event by event as a store decodes its records: the stream id is made once per
    /// stream, from its bytes, not once per event.
    @_spi(Storage) public struct Tables: Sendable {
        var types = TypeInterner()
        var streams = StreamInterner()
        var typeIndexes: [UInt32] = []
        var streamIndexes: [UInt32] = []

        /// Empty tables, with room for `expected` events.
        public init(expected: Int = 0) {
            typeIndexes.reserveCapacity(expected)
            streamIndexes.reserveCapacity(expected)
            streams = StreamInterner(expected: expected)
        }

        /// Adds an event of `type`, whose stream id has the UTF-8 bytes `streamUTF8` (made into a
        /// ``StreamID`` by `make` the first time they are met) and which is the stream's
        /// `version`. Returns the stream id.
        @inline(__always)
        mutating func add(type: String, streamUTF8: UnsafeRawBufferPointer, version: StreamVersion, make: () throws(DocketError) -> StreamID) throws(DocketError) -> StreamID {
            typeIndexes.append(types.index(words: StringWords(type)) { type })
            let (index, stream) = try streams.index(ofUTF8: streamUTF8, hash: EventBatch.bytesHash(streamUTF8), begins: version == .first, make: make)
            streamIndexes.append(index)
            return stream
        }
    }

    /// The distinct types of `events` and each event's index among them.
    static func typeTable(_ events: [RecordedEvent]) -> ([String], [UInt32]) {
        var interner = TypeInterner()
        var indexes: [UInt32] = []
        indexes.reserveCapacity(events.count)
        let offset = MemoryLayout<RecordedEvent>.offset(of: \RecordedEvent.type)!
        let stride = MemoryLayout<RecordedEvent>.stride
        events.withUnsafeBytes { raw in
            for i in 0..<events.count {
                // The string's words are read where they lie: no copy, no reference count taken.
                let words = TypeInterner.byWords ? raw.loadUnaligned(fromByteOffset: i * stride + offset, as: StringWords.self) : StringWords()
                indexes.append(interner.index(words: words) { events[i].type })
            }
        }
        return (interner.types, indexes)
    }

    /// The distinct event types met so far, in the order they first appear, and a way to find a
    /// type's index among them. A log's events repeat a few types, each usually one shared string
    /// (the store reuses it from record to record), so a type is first matched by identity: its
    /// string's two words against those of the type before and of the types met so far, which
    /// touches neither the string's storage nor its reference count. Only a string not met before
    /// is looked up by content, in a table of the types, and then remembered as an alias.
    struct TypeInterner: Sendable {
        private(set) var types: [String] = []
        private var table: [String: UInt32] = [:]
        /// The strings met so far, as their words, with their type's index (at most 64: past
        /// that, a string not among them is compared by content).
        private var known: [(words: StringWords, index: UInt32)] = []
        private var last = (words: StringWords(), index: UInt32(0))
        private var any = false
        /// Where a string is not two 8-byte words (a 32-bit platform), every type is compared by content.
        static let byWords = MemoryLayout<String>.size == MemoryLayout<StringWords>.size

        /// The index of `type`, whose words are `words` (``StringWords/init(_:)``; all zero
        /// where a string is not two words).
        @inline(__always)
        mutating func index(words: StringWords, _ type: () -> String) -> UInt32 {
            if Self.byWords, any, words == last.words { return last.index }
            any = true
            if Self.byWords, let k = known.firstIndex(where: { $0.words == words }) {
                last = known[k]
                return last.index
            }
            let type = type()
            let index: UInt32
            if let k = table[type] {
                index = k
            } else {
                index = UInt32(types.count)
                types.append(type)
                table[type] = index
            }
            if Self.byWords, known.count < 64 { known.append((words, index)) }
            last = (words, index)
            return index
        }
    }

    /// A string's two words, as stored: equal words make equal strings (the same characters held
    /// inline, or the same storage), which is what `==` itself checks first. Different words may
    /// still hold equal strings, which are then compared by content.
    struct StringWords: Equatable {
        var first: UInt64 = 0
        var second: UInt64 = 0

        init() {}

        /// The words of `string` (all zero where a string is not two words).
        @inline(__always) init(_ string: String) {
            if TypeInterner.byWords { self = unsafeBitCast(string, to: StringWords.self) }
        }
    }

    /// The index of event `i`'s type in ``types``.
    @inlinable public func typeIndex(at i: Int) -> Int { Int(typeIndexes[i]) }

    /// The index of event `i`'s stream in ``streams``.
    @inlinable public func streamIndex(at i: Int) -> Int { Int(streamIndexes[i]) }

    /// Whether the stream with index `stream` in ``streams`` begins in this batch: its first event
    /// here is its first event at all (``StreamVersion/first``). Nothing that came before the
    /// batch belongs to such a stream, so a projection has no rows of it to look for (unless
    /// rows were written by other means than applying the stream's events).
    @inlinable public func streamBegins(_ stream: Int) -> Bool { streamBeginnings[stream] }

    /// The distinct streams of `events` and each event's index among them.
    static func streamTable(_ events: [RecordedEvent]) -> ([StreamID], [UInt32], [Bool]) {
        var interner = StreamInterner(expected: events.count)
        var indexes: [UInt32] = []
        indexes.reserveCapacity(events.count)
        for i in events.indices {
            var id = events[i].stream.rawValue
            let index = id.withUTF8 { utf8 in
                let raw = UnsafeRawBufferPointer(utf8)
                // Never throws: the id is at hand.
                return try! interner.index(ofUTF8: raw, hash: bytesHash(raw), begins: events[i].version == .first) { () throws(DocketError) in events[i].stream }.index
            }
            indexes.append(index)
        }
        return (interner.streams, indexes, interner.begins)
    }

    /// The distinct streams met so far, in the order they first appear, and whether each began
    /// (its first event met is its first event at all), found through an open-addressing table
    /// keyed by a hash of the id's bytes (cheaper than the standard hasher, which the table does
    /// not need: it lives for one batch and holds ids the log already holds).
    struct StreamInterner: Sendable {
        private(set) var streams: [StreamID] = []
        private(set) var begins: [Bool] = []
        private var hashes: [UInt64] = []
        /// Slots hold a stream's index + 1 (0: empty); at most half are used.
        private var slots: [UInt32]

        init(expected: Int = 0) {
            var capacity = 64
            while capacity < Swift.min(expected, 1 << 20) / 2 { capacity <<= 1 }
            slots = [UInt32](repeating: 0, count: capacity)
        }

        /// The index of the stream whose id has the UTF-8 bytes `utf8` (with `hash`, from
        /// ``EventBatch/bytesHash(_:)``), and its id; `make` makes the id
        /// of a stream not met before, which then begins if `begins`.
        @inline(__always)
        mutating func index(
            ofUTF8 utf8: UnsafeRawBufferPointer, hash h: UInt64, begins: Bool, make: () throws(DocketError) -> StreamID
        ) throws(DocketError) -> (index: UInt32, stream: StreamID) {
            var mask = slots.count - 1
            var slot = Int(truncatingIfNeeded: h) & mask
            while true {
                let k = slots[slot]
                if k == 0 { break }
                if hashes[Int(k - 1)] == h, Self.equal(streams[Int(k - 1)], utf8) { return (k - 1, streams[Int(k - 1)]) }
                slot = (slot + 1) & mask
            }
            let stream = try make()
            // An id made from bytes that are not valid UTF-8 holds them repaired: it is looked up,
            // and kept, by its own bytes, so that each record of its stream finds it again.
            if !Self.equal(stream, utf8) {
                var id = stream.rawValue
                let repaired = id.withUTF8 { Array($0) }
                return repaired.withUnsafeBytes { raw in
                    // Never throws: the id is at hand; its own bytes match it.
                    try! index(ofUTF8: raw, hash: EventBatch.bytesHash(raw), begins: begins) { () throws(DocketError) in stream }
                }
            }
            if (streams.count + 1) * 2 > slots.count {
                // Grow, and place every stream again.
                slots = [UInt32](repeating: 0, count: slots.count * 2)
                mask = slots.count - 1
                for (n, old) in hashes.enumerated() {
                    var s = Int(truncatingIfNeeded: old) & mask
                    while slots[s] != 0 { s = (s + 1) & mask }
                    slots[s] = UInt32(n + 1)
                }
                slot = Int(truncatingIfNeeded: h) & mask
                while slots[slot] != 0 { slot = (slot + 1) & mask }
            }
            streams.append(stream)
            self.begins.append(begins)
            hashes.append(h)
            slots[slot] = UInt32(streams.count)
            return (UInt32(streams.count - 1), stream)
        }

        @inline(__always)
        private static func equal(_ stream: StreamID, _ utf8: UnsafeRawBufferPointer) -> Bool {
            let same = stream.rawValue.utf8.withContiguousStorageIfAvailable { c in
                c.count == utf8.count && (c.isEmpty || memcmp(c.baseAddress!, utf8.baseAddress!, c.count) == 0)
            }
            return same ?? stream.rawValue.utf8.elementsEqual(utf8)
        }
    }

    /// A seed drawn once per process, so that the hash's collisions cannot be chosen in advance
    /// (stream ids may come from clients).
    static let hashSeed = UInt64.random(in: .min ... .max)

    /// A hash of some bytes (a stream id's UTF-8, a row's key), eight at a time, seeded
    /// (``hashSeed``) and finished so that the low bits depend on every byte. For tables that live
    /// for a batch: cheaper than the standard hasher.
    @inline(__always)
    static func bytesHash(_ raw: UnsafeRawBufferPointer) -> UInt64 {
        let seed = hashSeed
        var h: UInt64 = seed ^ 0x9E37_79B9_7F4A_7C15 ^ UInt64(raw.count)
        var offset = 0
        while offset + 8 <= raw.count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h ^= (h >> 29) ^ seed
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < raw.count {
            tail |= UInt64(raw[offset]) << shift
            shift += 8
            offset += 1
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 31
        h = h &* 0xBF58_476D_1CE4_E5B9
        return h ^ (h >> 32)
    }

    /// Whether the payloads are packed in the batch's buffer rather than inside the events.
    public var isPacked: Bool { !payloadEnds.isEmpty }

    /// The number of events.
    public var count: Int { events.count }

    /// Whether the batch has no events.
    public var isEmpty: Bool { events.isEmpty }

    /// The last event (without its payload in a packed batch).
    public var last: RecordedEvent? { events.last }

    /// The range of event `i`'s payload in ``payloadBytes`` (packed batches only).
    @usableFromInline func payloadRange(_ i: Int) -> Range<Int> {
        (i == 0 ? 0 : payloadEnds[i - 1])..<payloadEnds[i]
    }

    /// Calls `body` with event `i`'s payload, read where it lies.
    @inlinable public func withPayload<R, E: Error>(at i: Int, _ body: (Span<UInt8>) throws(E) -> R) throws(E) -> R {
        if isPacked { return try body(payloadBytes.span.extracting(payloadRange(i))) }
        let payload = events[i].payload
        return try body(payload.span)
    }

    /// The size of event `i`'s payload in bytes, without reading it.
    public func payloadCount(at i: Int) -> Int {
        isPacked ? payloadRange(i).count : events[i].payload.count
    }

    /// A copy of event `i`'s payload.
    public func payload(at i: Int) -> [UInt8] {
        isPacked ? Array(payloadBytes[payloadRange(i)]) : events[i].payload
    }

    /// Event `i` with its payload.
    public func event(at i: Int) -> RecordedEvent {
        guard isPacked else { return events[i] }
        var e = events[i]
        e.payload = payload(at: i)
        return e
    }

    /// The events, each with its payload when its type is in `types` (every type when `types` is
    /// nil), for code that takes an array of events: what ``Projection/apply(packed:to:)`` does by
    /// default. Events of other types keep an empty payload.
    public func unpacked(types: Set<String>? = nil) -> [RecordedEvent] {
        guard isPacked else { return events }
        let wanted = self.types.map { type in types.map { $0.contains(type) } ?? true }
        var out = events
        for i in out.indices where wanted[typeIndex(at: i)] {
            out[i].payload = payload(at: i)
        }
        return out
    }
}

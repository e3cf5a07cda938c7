public import Foundation

/// A type that writes and reads Docket's binary form (``BinaryPayload``) by hand, without going
/// through `Encoder` and `Decoder`: for the few types a read model or a replay handles millions of
/// times, where `Codable`'s containers cost several times the work itself.
///
/// A conformance must write **the same bytes** its `Encodable` conformance writes through
/// ``BinaryPayload/encode(_:)``, and read everything its `Decodable` conformance reads: the two
/// paths are interchangeable, so stored payloads and rows do not depend on which one wrote them.
/// ``BinaryPayload/encode(_:)`` and ``BinaryPayload/decode(_:from:what:)`` take the hand-written
/// path for a conforming type, unless ``BinaryPayload/usesHandWrittenCoders`` is off for the task:
/// a test can compare both paths (Docket's own tests do, for every conforming type, over the values
/// the scenario suite produces).
///
/// As the synthesized `Codable` does, write a struct as a map of its stored properties in declaration
/// order, leave out an optional property that is `nil`, and write a `String`-backed enum as its raw
/// value:
///
/// ```swift
/// struct Party: Codable, BinaryCodable {
///     var role: Role          // enum Role: String, Codable, BinaryValue { … }
///     var id: String
///     var nickname: String?
///
///     func encode(to writer: inout BinaryValueWriter) throws {
///         let map = writer.beginMap()
///         try writer.field("role", role)
///         writer.field("id", id)
///         try writer.fieldIfPresent("nickname", nickname)
///         writer.end(map)
///     }
///
///     init(from reader: inout BinaryValueReader) throws {
///         var map = try reader.map()
///         self.init(role: try map.field("role"), id: try map.field("id"), nickname: try map.fieldIfPresent("nickname"))
///     }
/// }
/// ```
///
/// A `Decimal` conforms to ``BinaryValue`` (in the form its `Codable` conformance writes); a part
/// that is rare or complex can go through `Codable` inside a hand-written coder
/// (``BinaryValueWriter/encodableField(_:_:)``, ``BinaryMapReader/decodableField(_:as:)``).
public protocol BinaryCodable: Codable, BinaryValue {}

/// A value the hand-written binary coders read and write: the scalars (`String`, `Bool`, integers,
/// `Double`, ``Timestamp``), arrays and sets of such values, `String`-backed enums that declare
/// the conformance, and ``BinaryCodable`` types.
public protocol BinaryValue {
    /// Writes the value at the writer's end.
    func encode(to writer: inout BinaryValueWriter) throws
    /// Reads the value the reader stands on.
    init(from reader: inout BinaryValueReader) throws
}

extension BinaryValue where Self: RawRepresentable, RawValue == String {
    /// A `String`-backed enum is written as its raw value, as `Codable` writes it.
    @inlinable public func encode(to writer: inout BinaryValueWriter) throws { writer.write(rawValue) }

    /// Reads the raw value; an unknown one is an error naming it.
    @inlinable public init(from reader: inout BinaryValueReader) throws {
        let raw = try reader.readString()
        guard let value = Self(rawValue: raw) else { throw BinaryValueError("\(raw.debugDescription) is not a \(Self.self)") }
        self = value
    }
}

// MARK: - Writing

/// Writes values in the binary form, appending to one buffer: scalars, and maps and arrays opened
/// with ``beginMap()`` or ``beginArray()`` and closed with ``end(_:)`` in the reverse order.
public struct BinaryValueWriter {
    /// The bytes written so far.
    public internal(set) var bytes: [UInt8] {
        _read { yield buffer }
        _modify { yield &buffer }
    }

    /// The buffer: written to by the inlinable writers, which the compiler inlines into each
    /// type's hand-written coder (a call per scalar written was a fifth of encoding a record).
    @usableFromInline var buffer: [UInt8]

    /// Whether maps are written positionally: their values in the order written, without keys,
    /// an optional left out as null (see ``init(prefix:capacity:positional:)``).
    public private(set) var isPositional: Bool

    /// A writer whose buffer starts with `prefix` (``BinaryPayload``'s magic bytes, by default).
    ///
    /// A `positional` writer writes each map the hand-written coders open as a *positional map*:
    /// the entries' values in the order they are written, without their keys, and a `nil` given to
    /// ``fieldIfPresent(_:_:)`` as null, so that every entry keeps its place. Such a value is a
    /// third of the size or less, and is read back without looking keys up; but only by the same
    /// type's hand-written decoder, reading its fields in the order they were written (as
    /// ``BinaryCodable`` asks), not through `Decodable`. It is meant for a read model's own rows,
    /// which a rebuild rewrites, not for payloads of the log. Parts written through `Encodable`
    /// (``writeEncodable(_:)``) and bytes copied with ``writeEncoded(_:)`` keep their keys, and read
    /// as they were written.
    public init(prefix: [UInt8] = BinaryPayload.magic, capacity: Int = 256, positional: Bool = false) {
        // One buffer of the capacity asked, the prefix copied in (taking `prefix` and growing it
        // would copy it anyway, the caller still holding it).
        buffer = []
        buffer.reserveCapacity(Swift.max(capacity, prefix.count))
        buffer.append(contentsOf: prefix)
        isPositional = positional
    }

    /// Appends bytes as they are, outside any value: a row's header, written before the value
    /// into the same buffer (one allocation for the row, not one for the header too).
    @inlinable package mutating func appendHeader(_ byte: UInt8) { buffer.append(byte) }

    /// Empties the buffer, its prefix included, keeping its room: a writer reused for value after
    /// value (each copied out with ``copiedBytes()``) grows its buffer once, not once per value.
    package mutating func removeAll() { buffer.removeAll(keepingCapacity: true) }

    /// A copy of the bytes written, in an array of their size.
    package func copiedBytes() -> [UInt8] { buffer.withUnsafeBufferPointer { Array($0) } }

    /// Appends `value`'s 8 bytes, big-endian, outside any value (see ``appendHeader(_:)``).
    @inlinable package mutating func appendHeader(bigEndian value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { buffer.append(contentsOf: $0) }
    }

    /// An open map or array, to be passed to ``BinaryValueWriter/end(_:)``.
    public struct Container {
        @usableFromInline let offset: Int
        @usableFromInline init(offset: Int) { self.offset = offset }
    }

    // MARK: Scalars

    @inlinable @inline(__always) mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            buffer.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        buffer.append(UInt8(truncatingIfNeeded: v))
    }

    /// Writes null.
    @inlinable public mutating func writeNull() { buffer.append(BinaryTag.null) }

    /// Writes a boolean.
    @inlinable public mutating func write(_ value: Bool) { buffer.append(value ? BinaryTag.true : BinaryTag.false) }

    /// Writes a signed integer.
    @inlinable public mutating func write(_ value: Int64) {
        buffer.append(BinaryTag.int)
        varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// Writes a signed integer.
    @inlinable public mutating func write(_ value: Int) { write(Int64(value)) }

    /// Writes an unsigned integer.
    @inlinable public mutating func write(_ value: UInt64) {
        buffer.append(BinaryTag.uint)
        varint(value)
    }

    /// Writes a double.
    @inlinable public mutating func write(_ value: Double) {
        buffer.append(BinaryTag.double)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { buffer.append(contentsOf: $0) }
    }

    /// Writes a string.
    @inlinable public mutating func write(_ value: String) {
        buffer.append(BinaryTag.string)
        raw(value)
    }

    /// Writes a string (the same bytes as writing it as a `String`).
    @inlinable public mutating func write(_ value: Substring) {
        buffer.append(BinaryTag.string)
        var s = value
        s.withUTF8 { raw(utf8: $0) }
    }

    /// A length-prefixed UTF-8 string without a tag (a key, or the body of a string value).
    @inlinable @inline(__always) mutating func raw(_ value: String) {
        var s = value
        s.withUTF8 { raw(utf8: $0) }
    }

    @inlinable @inline(__always) mutating func raw(utf8: UnsafeBufferPointer<UInt8>) {
        varint(UInt64(utf8.count))
        buffer.append(contentsOf: utf8)
    }

    /// Writes an instant as its milliseconds since the epoch (as ``BinaryPayload`` writes ``Timestamp``).
    @inlinable public mutating func write(_ value: Timestamp) { write(value.millisecondsSinceEpoch) }

    /// Writes a value that codes itself.
    @inlinable public mutating func write<T: BinaryValue>(_ value: T) throws { try value.encode(to: &self) }

    /// Writes a value through its `Encodable` conformance, as ``BinaryPayload/encode(_:)`` would
    /// inside a value: for the parts of a hand-written type that are rare or not worth coding by hand.
    public mutating func writeEncodable<T: Encodable>(_ value: T) throws {
        let writer = BinaryWriter()
        // `Encodable` writes keys itself: its maps are never positional.
        let positional = isPositional
        isPositional = false
        swap(&writer.out, &self)
        defer {
            swap(&writer.out, &self)
            isPositional = positional
        }
        try writer.encodeValue(value)
        writer.closeAll()
        if let problem = writer.problem { throw BinaryValueError(problem) }
    }

    // MARK: Containers

    /// Opens a map: write each entry as ``key(_:)`` then its value, then ``end(_:)``.
    @inlinable public mutating func beginMap() -> Container { begin(isPositional ? BinaryTag.tuple : BinaryTag.map) }

    /// Opens an array: write each element, then ``end(_:)``.
    @inlinable public mutating func beginArray() -> Container { begin(BinaryTag.array) }

    @inlinable @inline(__always) mutating func begin(_ tag: UInt8) -> Container {
        let offset = buffer.count
        // The tag and a length of zero, filled in by `end`.
        buffer.append(tag)
        buffer.append(0)
        buffer.append(0)
        buffer.append(0)
        buffer.append(0)
        return Container(offset: offset)
    }

    /// A writer that goes on with the array a binary payload holds: it starts with `payload`'s
    /// bytes, and the elements written next join the array; close it with ``end(_:)`` and the
    /// container returned. A row that lists items (an archive's entries) grows this way without
    /// decoding what it holds. Nil when `payload` is not a binary payload whose value is one array.
    /// A `positional` writer goes on writing its maps positionally (the elements already there are
    /// read by their own tags, whichever form they were written in).
    public static func reopeningArray(_ payload: [UInt8], capacity: Int = 0, positional: Bool = false) -> (writer: BinaryValueWriter, array: Container)? {
        let m = BinaryPayload.magic.count
        guard payload.count >= m + 5, payload[0] == BinaryPayload.magic[0], payload[1] == BinaryPayload.magic[1],
            payload[m] == BinaryTag.array
        else { return nil }
        let length = Int(payload[m + 1]) | Int(payload[m + 2]) << 8 | Int(payload[m + 3]) << 16 | Int(payload[m + 4]) << 24
        guard length == payload.count - m - 5 else { return nil }
        return (BinaryValueWriter(prefix: payload, capacity: Swift.max(capacity, payload.count), positional: positional), Container(offset: m))
    }

    /// Runs `body` with maps written with their keys, whatever the writer's form: for a value whose
    /// keys carry meaning (an enum's case, named by its map's one key), or that is read by
    /// `Decodable`, or that must match bytes copied from a keyed payload.
    public mutating func keyed<R>(_ body: (inout BinaryValueWriter) throws -> R) rethrows -> R {
        let positional = isPositional
        isPositional = false
        defer { isPositional = positional }
        return try body(&self)
    }

    /// Writes the value `reader` stands on as it is encoded, copying its bytes: a part of one
    /// binary value carried into another without being decoded and encoded again.
    public mutating func writeEncoded(_ reader: BinaryValueReader) throws {
        buffer.append(contentsOf: try reader.encoded())
    }

    /// Closes a map or an array: fills in its length.
    @inlinable public mutating func end(_ container: Container) {
        let length = UInt32(truncatingIfNeeded: buffer.count - container.offset - 5)
        precondition(container.offset >= 0 && container.offset + 5 <= buffer.count, "a container ended that this writer did not open")
        // One store of four little-endian bytes (one uniqueness check, not four).
        buffer.withUnsafeMutableBytes { $0.storeBytes(of: length.littleEndian, toByteOffset: container.offset + 1, as: UInt32.self) }
    }

    /// In a positional writer, puts the entries written so far in `array` in the order of their
    /// encoded bytes, each entry being `valuesPerEntry` values (1 for a set's elements, 2 for a
    /// dictionary written as key, value, key, value, …); in a keyed writer, does nothing. Call it
    /// before ``end(_:)``, with the number of entries written.
    ///
    /// A set's and a dictionary's own order follows a hash seed that changes from process to
    /// process. A read model's rows, written positionally, are then the same bytes for the same
    /// value in every process. A keyed value keeps the order `Codable` gives it, whose bytes it
    /// must match. Entries already in order (as a single one is) are checked, not moved.
    /// - Throws: An error naming the array when what it holds is not `count` entries of
    ///   `valuesPerEntry` values.
    public mutating func orderEntriesIfPositional(of array: Container, count: Int, valuesPerEntry: Int = 1) throws {
        guard isPositional, count > 1 else { return }
        precondition(valuesPerEntry > 0 && array.offset >= 0 && array.offset + 5 <= buffer.count, "an array this writer did not open")
        let start = array.offset + 5
        let end = buffer.count
        try withUnsafeTemporaryAllocation(of: Int.self, capacity: count + 1) { bounds in
            // Where each entry starts, and where the last ends.
            try buffer.withUnsafeBufferPointer { bytes in
                let reader = BinaryReader(bytes)
                var p = start
                for i in 0..<count {
                    bounds[i] = p
                    for _ in 0..<valuesPerEntry { p = try reader.valueEnd(at: p, limit: end) }
                }
                guard p == end else { throw BinaryValueError("the array at byte \(array.offset) holds more than \(count) entries") }
                bounds[count] = end
            }
            func entry(_ i: Int, in raw: UnsafeRawBufferPointer, from base: Int) -> UnsafeRawBufferPointer {
                UnsafeRawBufferPointer(rebasing: raw[(bounds[i] - base)..<(bounds[i + 1] - base)])
            }
            let sorted = buffer.withUnsafeBytes { raw in
                (1..<count).allSatisfy { !UTF8Bytes.less(entry($0, in: raw, from: 0), entry($0 - 1, in: raw, from: 0)) }
            }
            if sorted { return }
            withUnsafeTemporaryAllocation(of: Int.self, capacity: count) { order in
                withUnsafeTemporaryAllocation(byteCount: end - start, alignment: 1) { copy in
                    buffer.withUnsafeBytes { copy.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
                    let held = UnsafeRawBufferPointer(copy)
                    var order = order
                    for i in 0..<count { order[i] = i }
                    order.sort { UTF8Bytes.less(entry($0, in: held, from: start), entry($1, in: held, from: start)) }
                    buffer.withUnsafeMutableBytes { out in
                        var p = start
                        for k in 0..<count {
                            let e = entry(order[k], in: held, from: start)
                            UnsafeMutableRawBufferPointer(rebasing: out[p..<(p + e.count)]).copyMemory(from: e)
                            p += e.count
                        }
                    }
                }
            }
        }
    }

    /// Writes a map entry's key (its value comes next).
    @inlinable public mutating func key(_ name: StaticString) {
        if isPositional { return }
        let count = name.utf8CodeUnitCount
        varint(UInt64(count))
        buffer.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: count))
    }

    // MARK: Fields

    /// Writes a map entry.
    @inlinable public mutating func field(_ name: StaticString, _ value: String) {
        key(name)
        write(value)
    }

    /// Writes a map entry.
    @inlinable public mutating func field(_ name: StaticString, _ value: Bool) {
        key(name)
        write(value)
    }

    /// Writes a map entry.
    @inlinable public mutating func field(_ name: StaticString, _ value: Int) {
        key(name)
        write(value)
    }

    /// Writes a map entry.
    @inlinable public mutating func field(_ name: StaticString, _ value: UInt64) {
        key(name)
        write(value)
    }

    /// Writes a map entry.
    @inlinable public mutating func field(_ name: StaticString, _ value: Timestamp) {
        key(name)
        write(value)
    }

    /// Writes a map entry.
    @inlinable public mutating func field<T: BinaryValue>(_ name: StaticString, _ value: T) throws {
        key(name)
        try value.encode(to: &self)
    }

    /// Writes a map entry unless `value` is nil (as `encodeIfPresent` leaves the key out).
    @inlinable public mutating func fieldIfPresent<T: BinaryValue>(_ name: StaticString, _ value: T?) throws {
        guard let value else { return absent() }
        key(name)
        try value.encode(to: &self)
    }

    /// An optional entry left out: nothing in a keyed map, null in a positional one (which keeps
    /// every entry in its place).
    @usableFromInline mutating func absent() {
        if isPositional { writeNull() }
    }

    /// Writes a map entry through `Encodable` (``writeEncodable(_:)``).
    public mutating func encodableField<T: Encodable>(_ name: StaticString, _ value: T) throws {
        key(name)
        try writeEncodable(value)
    }

    /// Writes a map entry through `Encodable` unless `value` is nil.
    public mutating func encodableFieldIfPresent<T: Encodable>(_ name: StaticString, _ value: T?) throws {
        guard let value else { return absent() }
        key(name)
        try writeEncodable(value)
    }
}

// MARK: - Reading

/// Reads values in the binary form from a buffer that outlives it (the call of
/// ``BinaryPayload/decode(_:from:what:)`` that made it). Every read checks its bounds and throws on
/// malformed bytes, naming the byte.
public struct BinaryValueReader {
    @usableFromInline let reader: BinaryReader
    /// Where the value being read starts.
    @usableFromInline var position: Int
    /// Where the enclosing container ends.
    @usableFromInline let limit: Int

    @usableFromInline init(reader: BinaryReader, position: Int, limit: Int) {
        self.reader = reader
        self.position = position
        self.limit = limit
    }

    /// Whether the value is null.
    public var isNull: Bool { position < limit && reader.buffer[position] == BinaryTag.null }

    /// Reads a string.
    public func readString() throws -> String { try reader.string(at: position, limit: limit) }
    /// Reads a boolean.
    public func readBool() throws -> Bool { try reader.bool(at: position, limit: limit) }
    /// Reads an integer.
    public func readInt() throws -> Int { try reader.integer(Int.self, at: position, limit: limit) }
    /// Reads a signed 64-bit integer.
    public func readInt64() throws -> Int64 { try reader.int64(at: position, limit: limit) }
    /// Reads an unsigned 64-bit integer.
    public func readUInt64() throws -> UInt64 { try reader.uint64(at: position, limit: limit) }
    /// Reads a double.
    public func readDouble() throws -> Double { try reader.double(at: position, limit: limit) }
    /// Reads an instant (milliseconds since the epoch).
    public func readTimestamp() throws -> Timestamp { Timestamp(millisecondsSinceEpoch: try readInt64()) }

    /// Reads a value through its `Decodable` conformance.
    public func readDecodable<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try reader.decodeValue(T.self, at: position, limit: limit, key: nil)
    }

    /// Reads a map: its entries are looked up by key, or, in a positional map (written by a
    /// positional ``BinaryValueWriter``), taken in the order they were written.
    public func map() throws -> BinaryMapReader {
        let tag = try reader.byte(at: position, limit: limit)
        guard tag == BinaryTag.map || tag == BinaryTag.tuple else { throw reader.mismatch("a map", at: position) }
        return BinaryMapReader(reader: reader, range: try reader.containerRange(at: position, limit: limit), positional: tag == BinaryTag.tuple)
    }

    /// Reads an array's elements with `element`, which reads the value its reader stands on.
    @inlinable public func array<T>(_ element: (inout BinaryValueReader) throws -> T) throws -> [T] {
        guard try reader.byte(at: position, limit: limit) == BinaryTag.array else { throw reader.mismatch("an array", at: position) }
        let range = try reader.containerRange(at: position, limit: limit)
        var out: [T] = []
        // Most arrays of a payload or a row are short: room for a few elements at once, instead
        // of growing from one (an allocation each time it doubles).
        if !range.isEmpty { out.reserveCapacity(4) }
        var p = range.lowerBound
        while p < range.upperBound {
            var r = BinaryValueReader(reader: reader, position: p, limit: range.upperBound)
            out.append(try element(&r))
            p = try reader.valueEnd(at: p, limit: range.upperBound)
        }
        return out
    }

    /// The number of elements of the array the reader stands on, without reading them.
    public func arrayCount() throws -> Int {
        guard try reader.byte(at: position, limit: limit) == BinaryTag.array else { throw reader.mismatch("an array", at: position) }
        let range = try reader.containerRange(at: position, limit: limit)
        var count = 0
        var p = range.lowerBound
        while p < range.upperBound {
            p = try reader.valueEnd(at: p, limit: range.upperBound)
            count += 1
        }
        return count
    }

    /// The bytes of the value the reader stands on, as they are encoded.
    func encoded() throws -> UnsafeBufferPointer<UInt8> {
        let end = try reader.valueEnd(at: position, limit: limit)
        return UnsafeBufferPointer(rebasing: reader.buffer[position..<end])
    }
}

/// The entries of one map, looked up by key. A lookup in the order the entries were written takes
/// the entry where the last one ended; any other (a key asked out of order, or missing: an optional
/// left out) searches an index of the map's entries, built on the first such lookup.
///
/// A positional map (written by a positional ``BinaryValueWriter``) has no keys: each lookup takes
/// the next value, whatever the name, and a lookup past the last value finds nothing (an entry a
/// later build added, missing from a row written before it). Its decoder must therefore ask for
/// the entries in the order its encoder wrote them, optionals included.
public struct BinaryMapReader {
    @usableFromInline let reader: BinaryReader
    @usableFromInline let range: Range<Int>
    /// Where the entry after the last one found starts.
    @usableFromInline var cursor: Int
    /// Each entry's key start and value start, in order (two offsets per entry), once built.
    @usableFromInline var index: [Int]?
    /// A positional map: values without keys.
    @usableFromInline let positional: Bool

    init(reader: BinaryReader, range: Range<Int>, positional: Bool = false) {
        self.reader = reader
        self.range = range
        self.positional = positional
        cursor = range.lowerBound
    }

    /// Whether the map is positional (its values are read in order, whatever the names asked).
    public var isPositional: Bool { positional }

    /// The reader of `name`'s value, or nil when the map has no such key.
    public mutating func value(_ name: StaticString) throws -> BinaryValueReader? {
        if positional {
            guard cursor < range.upperBound else { return nil }
            let start = cursor
            cursor = try reader.valueEnd(at: start, limit: range.upperBound)
            return BinaryValueReader(reader: reader, position: start, limit: range.upperBound)
        }
        let wanted = UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        let buffer = reader.buffer
        let end = range.upperBound
        // The entry at the cursor: the next one in written order.
        if cursor < end {
            let (length, keyStart) = try reader.readVarint(at: cursor, limit: end)
            guard length <= UInt64(end - keyStart) else { throw BinaryValueError("key at byte \(cursor) runs past its map") }
            let valueStart = keyStart + Int(length)
            if Int(length) == wanted.count, Self.equal(buffer, keyStart, wanted) {
                cursor = try reader.valueEnd(at: valueStart, limit: end)
                return BinaryValueReader(reader: reader, position: valueStart, limit: end)
            }
        }
        // A small map (a payload, a claim) is searched entry by entry: cheaper than building an
        // index, which allocates, when a decoder asks for optionals the map leaves out.
        if range.count <= Self.scanLimit, index == nil {
            var p = range.lowerBound
            while p < end {
                let (length, keyStart) = try reader.readVarint(at: p, limit: end)
                guard length <= UInt64(end - keyStart) else { throw BinaryValueError("key at byte \(p) runs past its map") }
                let valueStart = keyStart + Int(length)
                let valueEnd = try reader.valueEnd(at: valueStart, limit: end)
                if Int(length) == wanted.count, Self.equal(buffer, keyStart, wanted) {
                    cursor = valueEnd
                    return BinaryValueReader(reader: reader, position: valueStart, limit: end)
                }
                p = valueEnd
            }
            return nil
        }
        if index == nil { index = try buildIndex() }
        let entries = index!
        var i = 0
        while i < entries.count {
            let keyStart = entries[i], valueStart = entries[i + 1]
            if valueStart - keyStart == wanted.count, Self.equal(buffer, keyStart, wanted) {
                cursor = try reader.valueEnd(at: valueStart, limit: end)
                return BinaryValueReader(reader: reader, position: valueStart, limit: end)
            }
            i += 2
        }
        return nil
    }

    /// The size in bytes up to which a map is searched entry by entry rather than through an index.
    @usableFromInline static let scanLimit = 1_024

    /// Every entry's key start and value start.
    private func buildIndex() throws -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(64)
        var p = range.lowerBound
        let end = range.upperBound
        while p < end {
            let (length, keyStart) = try reader.readVarint(at: p, limit: end)
            guard length <= UInt64(end - keyStart) else { throw BinaryValueError("key at byte \(p) runs past its map") }
            let valueStart = keyStart + Int(length)
            out.append(keyStart)
            out.append(valueStart)
            p = try reader.valueEnd(at: valueStart, limit: end)
        }
        return out
    }

    @inline(__always) private static func equal(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ wanted: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i < wanted.count {
            if buffer[start &+ i] != wanted[i] { return false }
            i &+= 1
        }
        return true
    }

    /// The reader of `name`'s value; a missing key is an error.
    public mutating func require(_ name: StaticString) throws -> BinaryValueReader {
        guard let r = try value(name) else { throw BinaryValueError("no value for key \(name.description.debugDescription)") }
        return r
    }

    /// Reads a required entry.
    @inlinable public mutating func field<T: BinaryValue>(_ name: StaticString, as type: T.Type = T.self) throws -> T {
        var r = try require(name)
        return try T(from: &r)
    }

    /// Reads an optional entry: nil when the key is missing or its value is null (as
    /// `decodeIfPresent` does).
    @inlinable public mutating func fieldIfPresent<T: BinaryValue>(_ name: StaticString, as type: T.Type = T.self) throws -> T? {
        guard var r = try value(name), !r.isNull else { return nil }
        return try T(from: &r)
    }

    /// Reads a required entry through `Decodable`.
    public mutating func decodableField<T: Decodable>(_ name: StaticString, as type: T.Type = T.self) throws -> T {
        try require(name).readDecodable(T.self)
    }

    /// Reads an optional entry through `Decodable`.
    public mutating func decodableFieldIfPresent<T: Decodable>(_ name: StaticString, as type: T.Type = T.self) throws -> T? {
        guard let r = try value(name), !r.isNull else { return nil }
        return try r.readDecodable(T.self)
    }
}

// MARK: - Conformances of the standard types

extension String: BinaryValue {
    public func encode(to writer: inout BinaryValueWriter) throws { writer.write(self) }
    public init(from reader: inout BinaryValueReader) throws { self = try reader.readString() }
}

extension Bool: BinaryValue {
    public func encode(to writer: inout BinaryValueWriter) throws { writer.write(self) }
    public init(from reader: inout BinaryValueReader) throws { self = try reader.readBool() }
}

extension Int: BinaryValue {
    public func encode(to writer: inout BinaryValueWriter) throws { writer.write(self) }
    public init(from reader: inout BinaryValueReader) throws { self = try reader.readInt() }
}

extension Int64: BinaryValue {
    public func encode(to writer: inout BinaryValueWriter) throws { writer.write(self) }
    public init(from reader: inout BinaryValueReader) throws { self = try reader.readInt64() }
}

extension UInt64: BinaryValue {
    public func encode(to writer: inout BinaryValueWriter) throws { writer.write(self) }
    public init(from reader: inout BinaryValueReader) throws { self = try reader.readUInt64() }
}

extension Double: BinaryValue {
    public func encode(to writer: inout BinaryValueWriter) throws { writer.write(self) }
    public init(from reader: inout BinaryValueReader) throws { self = try reader.readDouble() }
}

extension Timestamp: BinaryValue {
    public func encode(to writer: inout BinaryValueWriter) throws { writer.write(self) }
    public init(from reader: inout BinaryValueReader) throws { self = try reader.readTimestamp() }
}

extension Array: BinaryValue where Element: BinaryValue {
    /// Written as `Codable` writes an array: its elements in order.
    @inlinable public func encode(to writer: inout BinaryValueWriter) throws {
        let a = writer.beginArray()
        for e in self { try e.encode(to: &writer) }
        writer.end(a)
    }

    @inlinable public init(from reader: inout BinaryValueReader) throws { self = try reader.array { try Element(from: &$0) } }
}

extension Set: BinaryValue where Element: BinaryValue {
    /// Written as `Codable` writes a set: an array of its elements in the set's iteration order.
    /// A positional writer puts them in the order of their encoded bytes instead, the same in
    /// every process (``BinaryValueWriter/orderEntriesIfPositional(of:count:valuesPerEntry:)``).
    @inlinable public func encode(to writer: inout BinaryValueWriter) throws {
        let a = writer.beginArray()
        for e in self { try e.encode(to: &writer) }
        try writer.orderEntriesIfPositional(of: a, count: count)
        writer.end(a)
    }

    @inlinable public init(from reader: inout BinaryValueReader) throws { self = Set(try reader.array { try Element(from: &$0) }) }
}

extension Decimal: BinaryValue {
    /// Written as `Decimal`'s `Codable` conformance writes it: a map of `exponent`, `length`,
    /// `isNegative`, `isCompact` and the eight 16-bit words of `mantissa`. The parts are not public
    /// API, so they are read from and written to the value's storage, whose layout is checked once
    /// against the `Codable` conformance (``DecimalStorage/matchesCodable``); where it does not
    /// match, both directions go through `Codable`.
    public func encode(to writer: inout BinaryValueWriter) throws {
        guard DecimalStorage.matchesCodable else { return try writer.writeEncodable(self) }
        DecimalStorage(self).encode(to: &writer)
    }

    public init(from reader: inout BinaryValueReader) throws {
        guard DecimalStorage.matchesCodable, let storage = try DecimalStorage(reading: reader) else {
            self = try reader.readDecodable(Decimal.self)
            return
        }
        self = storage.decimal
    }
}

/// A `Decimal`'s parts as its storage holds them: the exponent (1 byte), the length and flags
/// (1 byte: bit 2 compact, bit 3 negative, bits 4 to 7 the length in 16-bit words), 2 reserved
/// bytes, then the mantissa's eight 16-bit words, least significant first.
struct DecimalStorage {
    var bytes: (UInt64, UInt64, UInt32) = (0, 0, 0)

    init(_ value: Decimal) {
        withUnsafeMutableBytes(of: &bytes) { out in withUnsafeBytes(of: value) { out.copyMemory(from: $0) } }
    }

    private init() {}

    var decimal: Decimal {
        var d = Decimal()
        withUnsafeMutableBytes(of: &d) { out in withUnsafeBytes(of: bytes) { out.copyMemory(from: $0) } }
        return d
    }

    private func byte(_ i: Int) -> UInt8 { withUnsafeBytes(of: bytes) { $0[i] } }
    var exponent: Int8 { Int8(bitPattern: byte(0)) }
    var length: UInt8 { byte(1) >> 4 }
    var isNegative: Bool { byte(1) & 0x08 != 0 }
    var isCompact: Bool { byte(1) & 0x04 != 0 }
    func word(_ i: Int) -> UInt16 { UInt16(byte(4 + 2 * i)) | UInt16(byte(5 + 2 * i)) << 8 }

    func encode(to w: inout BinaryValueWriter) {
        let map = w.beginMap()
        w.key("exponent")
        w.write(Int(exponent))
        w.key("length")
        w.write(UInt64(length))
        w.field("isNegative", isNegative)
        w.field("isCompact", isCompact)
        w.key("mantissa")
        let words = w.beginArray()
        for i in 0..<8 { w.write(UInt64(word(i))) }
        w.end(words)
        w.end(map)
    }

    /// Reads the parts `Codable` wrote; nil for parts the storage cannot hold as they are (an
    /// exponent beyond a byte, a length beyond eight words), which are left to `Codable`.
    init?(reading reader: BinaryValueReader) throws {
        var m = try reader.map()
        let exponent: Int = try m.field("exponent")
        let length: UInt64 = try m.field("length")
        let isNegative: Bool = try m.field("isNegative")
        let isCompact: Bool = try m.field("isCompact")
        // The mantissa's words are read in place, without building an array of them.
        let mantissa = try m.require("mantissa")
        let reader = mantissa.reader
        guard try reader.byte(at: mantissa.position, limit: mantissa.limit) == BinaryTag.array else { throw reader.mismatch("an array", at: mantissa.position) }
        let range = try reader.containerRange(at: mantissa.position, limit: mantissa.limit)
        guard let e = Int8(exactly: exponent), length <= 8 else { return nil }
        self.init()
        var count = 0
        var p = range.lowerBound
        var fits = true
        try withUnsafeMutableBytes(of: &bytes) { out in
            out[0] = UInt8(bitPattern: e)
            out[1] = UInt8(length) << 4 | (isNegative ? 0x08 : 0) | (isCompact ? 0x04 : 0)
            while p < range.upperBound {
                let word = try reader.uint64(at: p, limit: range.upperBound)
                if word > UInt64(UInt16.max) { fits = false }
                if count < 8 {
                    out[4 + 2 * count] = UInt8(truncatingIfNeeded: word)
                    out[5 + 2 * count] = UInt8(truncatingIfNeeded: word >> 8)
                }
                count += 1
                p = try reader.valueEnd(at: p, limit: range.upperBound)
            }
        }
        // Anything the storage cannot hold as it is goes through `Codable`.
        guard fits, count >= 8 else { return nil }
    }

    /// Whether this layout is `Decimal`'s: checked once, on values with every part in use, by
    /// writing each both ways and comparing the bytes, and reading the bytes back.
    static let matchesCodable: Bool = {
        guard MemoryLayout<Decimal>.size == 20 else { return false }
        let samples = ["0", "5000", "-12345.678", "0.001", "-99999999999999999999.99", "340282366920938463463374607431768211455", "1e-100", "-7e90"]
        for text in samples {
            guard let value = Decimal(string: text) else { return false }
            var hand = BinaryValueWriter()
            DecimalStorage(value).encode(to: &hand)
            guard let codable = try? BinaryPayload.encode(value), codable == hand.bytes else { return false }
            let back: DecimalStorage?? = try? codable.withUnsafeBufferPointer { buffer in
                try DecimalStorage(reading: BinaryValueReader(reader: BinaryReader(buffer), position: 2, limit: buffer.count))
            }
            guard let parsed = back ?? nil, parsed.decimal == value, DecimalStorage(parsed.decimal).bytes == DecimalStorage(value).bytes else { return false }
        }
        return true
    }()
}

/// Docket's binary form of `Codable` values: the same tree as JSON (maps with string keys, arrays,
/// strings, numbers, booleans, null), written as tagged bytes instead of text, so that payloads and
/// projection rows are encoded and decoded without printing or parsing numbers, escaping strings or
/// building an intermediate document. The byte layout is specified in `Specs/format.md` (section
/// "Binary values").
///
/// Every encoding starts with the two bytes `0xDB 0x01` (the format and its version), which no JSON
/// text starts with, so ``Payload/decode(_:from:what:)`` tells the two apart by the first byte and
/// reads payloads written by either.
///
/// Keys of a `Dictionary` keyed by strings are sorted (as ``JSONPayload`` sorts them), so equal
/// values give equal bytes; a struct's fields stay in the order its `encode(to:)` writes them.
/// ``Timestamp`` is written as its milliseconds (an integer), which its `Decodable` accepts.
public enum BinaryPayload {
    /// The first two bytes of every binary payload.
    public static let magic: [UInt8] = [0xDB, 0x01]

    /// Encodes `value`.
    /// - Throws: ``DocketError`` with ``DocketError/Code/codecFailure`` if the value's `encode(to:)`
    ///   throws, or writes to a container after a later sibling was written (the binary form is
    ///   written in one pass, as synthesized `Codable` conformances always do).
    public static func encode<T: Encodable>(_ value: T) throws(DocketError) -> [UInt8] {
        if usesHandWrittenCoders, let coded = T.self as? any BinaryCodable.Type { return try encode(value, by: coded) }
        return try encodeThroughCodable(value)
    }

    /// Whether ``encode(_:)`` and ``decode(_:from:what:)`` use the hand-written coders of
    /// ``BinaryCodable`` types (the default), or their `Codable` conformances. The bytes are the
    /// same either way; turn it off for a task to check that they are:
    ///
    /// ```swift
    /// let expected = try BinaryPayload.$usesHandWrittenCoders.withValue(false) { try BinaryPayload.encode(record) }
    /// #expect(try BinaryPayload.encode(record) == expected)
    /// ```
    @TaskLocal public static var usesHandWrittenCoders = true

    /// Encodes `value` with the type's hand-written coder (`U` is `T`).
    private static func encode<T, U: BinaryCodable>(_ value: T, by: U.Type) throws(DocketError) -> [UInt8] {
        var writer = BinaryValueWriter()
        do {
            try withUnsafePointer(to: value) { try $0.withMemoryRebound(to: U.self, capacity: 1) { try $0.pointee.encode(to: &writer) } }
        } catch {
            throw DocketError(.codecFailure, "cannot encode \(T.self) in binary form: \(error)")
        }
        return writer.bytes
    }

    private static func encodeThroughCodable<T: Encodable>(_ value: T) throws(DocketError) -> [UInt8] {
        let writer = BinaryWriter(prefix: magic, capacity: 256)
        do {
            try writer.encodeValue(value)
            writer.closeAll()
            if let problem = writer.problem { throw DocketError(.codecFailure, "cannot encode \(T.self) in binary form: \(problem)") }
        } catch let e as DocketError { throw e } catch {
            throw DocketError(.codecFailure, "cannot encode \(T.self) in binary form: \(error)")
        }
        return writer.out.bytes
    }

    /// Decodes a `T` from `bytes`; `what` names the payload in the error.
    /// - Throws: ``DocketError`` with ``DocketError/Code/codecFailure`` for bytes that are not a
    ///   binary value of `T` (wrong magic, truncated, a missing key, a value of another kind).
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], what: @autoclosure () -> String) throws(DocketError) -> T {
        try decode(T.self, from: bytes, byHand: usesHandWrittenCoders, what: what())
    }

    /// Reads a `T` with the type's hand-written coder (`U` is `T`).
    private static func read<T, U: BinaryCodable>(_ type: T.Type, by: U.Type, _ reader: inout BinaryValueReader) throws -> T {
        let value = try U(from: &reader)
        return withUnsafePointer(to: value) { $0.withMemoryRebound(to: T.self, capacity: 1) { $0.pointee } }
    }

    private static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], byHand: Bool, what: @autoclosure () -> String) throws(DocketError) -> T {
        try bytes.withUnsafeBufferPointer { buffer throws(DocketError) in try decode(T.self, in: buffer, byHand: byHand, what: what()) }
    }

    private static func decode<T: Decodable>(_ type: T.Type, in buffer: UnsafeBufferPointer<UInt8>, byHand: Bool, what: @autoclosure () -> String) throws(DocketError) -> T {
        do {
            var r = try checkedReader(buffer)
            if byHand, let coded = T.self as? any BinaryCodable.Type { return try read(T.self, by: coded, &r) }
            return try r.reader.decodeValue(T.self, at: r.position, limit: r.limit, key: nil)
        } catch {
            throw decodingFailure(error, T.self, what())
        }
    }

    /// Decodes a `T` from `bytes` as ``decode(_:from:what:)`` does; chosen where `T` is known to be
    /// ``BinaryCodable``, it takes the hand-written coder without looking the conformance up at run
    /// time (a cost paid for every event a replay decodes).
    public static func decode<T: BinaryCodable>(_ type: T.Type, from bytes: [UInt8], what: @autoclosure () -> String) throws(DocketError) -> T {
        try bytes.withUnsafeBufferPointer { buffer throws(DocketError) in try decode(T.self, in: buffer, what: what()) }
    }

    /// Decodes a `T` from the bytes `span` holds, read in place (a payload in an ``EventBatch``).
    public static func decode<T: Decodable>(_ type: T.Type, from span: Span<UInt8>, what: @autoclosure () -> String) throws(DocketError) -> T {
        try span.withUnsafeBufferPointer { buffer throws(DocketError) in try decode(T.self, in: buffer, byHand: usesHandWrittenCoders, what: what()) }
    }

    /// Decodes a `T` from the bytes `span` holds, read in place, with the type's hand-written coder.
    public static func decode<T: BinaryCodable>(_ type: T.Type, from span: Span<UInt8>, what: @autoclosure () -> String) throws(DocketError) -> T {
        try span.withUnsafeBufferPointer { buffer throws(DocketError) in try decode(T.self, in: buffer, what: what()) }
    }

    private static func decode<T: BinaryCodable>(_ type: T.Type, in buffer: UnsafeBufferPointer<UInt8>, what: @autoclosure () -> String) throws(DocketError) -> T {
        guard usesHandWrittenCoders else { return try decode(T.self, in: buffer, byHand: false, what: what()) }
        do {
            var r = try checkedReader(buffer)
            return try T(from: &r)
        } catch {
            throw decodingFailure(error, T.self, what())
        }
    }

    private static func decodingFailure<T>(_ error: any Error, _ type: T.Type, _ what: String) -> DocketError {
        if let e = error as? BinaryValueError { return DocketError(.codecFailure, "cannot decode \(what) as \(T.self): \(e.message)") }
        return DocketError(.codecFailure, "cannot decode \(what) as \(T.self): \(error)")
    }

    /// A reader standing on the one value `buffer` holds after the magic bytes, checked to end where
    /// the buffer ends.
    private static func checkedReader(_ buffer: UnsafeBufferPointer<UInt8>) throws -> BinaryValueReader {
        guard buffer.count >= 3, buffer[0] == magic[0], buffer[1] == magic[1] else {
            throw BinaryValueError("not a binary value (it does not start with DB 01)")
        }
        let reader = BinaryReader(buffer)
        let end = try reader.valueEnd(at: 2, limit: buffer.count)
        guard end == buffer.count else { throw BinaryValueError("\(buffer.count - end) bytes after the value") }
        return BinaryValueReader(reader: reader, position: 2, limit: buffer.count)
    }

    /// Runs `body` with a reader standing on the value `bytes` hold, to read some of its parts
    /// without decoding the whole (or to carry parts into another value with
    /// ``BinaryValueWriter/writeEncoded(_:)``); `what` names the bytes in the error.
    /// - Throws: ``DocketError`` with ``DocketError/Code/codecFailure`` for bytes that are not one
    ///   binary value, or when `body` throws.
    public static func withValue<R>(in bytes: [UInt8], what: @autoclosure () -> String, _ body: (inout BinaryValueReader) throws -> R) throws(DocketError) -> R {
        try withValue(in: bytes[...], what: what(), body)
    }

    /// Runs `body` with a reader standing on the value a part of a buffer holds (a row's bytes
    /// after its header), read in place.
    public static func withValue<R>(in bytes: ArraySlice<UInt8>, what: @autoclosure () -> String, _ body: (inout BinaryValueReader) throws -> R) throws(DocketError) -> R {
        try bytes.withUnsafeBufferPointer { buffer throws(DocketError) in try withValue(inBuffer: buffer, what: what(), body) }
    }

    /// Runs `body` with a reader standing on the value `span` holds, read in place (a payload in an
    /// ``EventBatch``).
    public static func withValue<R>(in span: Span<UInt8>, what: @autoclosure () -> String, _ body: (inout BinaryValueReader) throws -> R) throws(DocketError) -> R {
        try span.withUnsafeBufferPointer { buffer throws(DocketError) in try withValue(inBuffer: buffer, what: what(), body) }
    }

    private static func withValue<R>(inBuffer buffer: UnsafeBufferPointer<UInt8>, what: @autoclosure () -> String, _ body: (inout BinaryValueReader) throws -> R) throws(DocketError) -> R {
        do {
            var r = try checkedReader(buffer)
            return try body(&r)
        } catch let e as BinaryValueError {
            throw DocketError(.codecFailure, "cannot read \(what()): \(e.message)")
        } catch let e as DocketError {
            throw e
        } catch {
            throw DocketError(.codecFailure, "cannot read \(what()): \(error)")
        }
    }

    /// The value as JSON text, for people and tools that do not know its type: maps become objects
    /// (keys in stored order), integers numbers (instants therefore appear as milliseconds since the
    /// epoch). ``EventCodec/readableJSON(of:)`` gives typed JSON where the event type is known.
    /// - Throws: ``DocketError`` with ``DocketError/Code/codecFailure`` for malformed bytes.
    public static func jsonText(_ bytes: [UInt8]) throws(DocketError) -> String {
        do {
            return try bytes.withUnsafeBufferPointer { buffer in
                guard buffer.count >= 3, buffer[0] == magic[0], buffer[1] == magic[1] else { throw BinaryValueError("not a binary value") }
                let reader = BinaryReader(buffer)
                var out = ""
                try reader.json(at: 2, limit: buffer.count, into: &out)
                return out
            }
        } catch {
            throw DocketError(.codecFailure, "cannot read a binary value: \(error)")
        }
    }

    /// Whether `bytes` start like a binary value.
    public static func isBinary(_ bytes: [UInt8]) -> Bool { isBinary(bytes.span) }

    /// Whether the bytes `span` holds start like a binary value.
    public static func isBinary(_ span: Span<UInt8>) -> Bool {
        // The magic bytes written out: reading the shared `magic` array would retain it.
        span.count >= 2 && span[0] == 0xDB && span[1] == 0x01
    }
}

/// Payloads and rows in either encoding: written in the binary form, read in both (the binary form
/// starts with `0xDB 0x01`; anything else is read as JSON), so a log or a projection written
/// before the binary form existed reads as before.
public enum Payload {
    /// Encodes `value` in the binary form (``BinaryPayload``).
    public static func encode<T: Encodable>(_ value: T) throws(DocketError) -> [UInt8] { try BinaryPayload.encode(value) }

    /// Decodes a `T` from binary or JSON `bytes`; `what` names the payload in the error.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], what: @autoclosure () -> String) throws(DocketError) -> T {
        BinaryPayload.isBinary(bytes) ? try BinaryPayload.decode(T.self, from: bytes, what: what()) : try JSONPayload.decode(T.self, from: bytes, what: what())
    }

    /// Decodes a `T` from binary or JSON `bytes`, a binary one with `T`'s hand-written coder, without
    /// looking the conformance up at run time.
    public static func decode<T: BinaryCodable>(_ type: T.Type, from bytes: [UInt8], what: @autoclosure () -> String) throws(DocketError) -> T {
        BinaryPayload.isBinary(bytes) ? try BinaryPayload.decode(T.self, from: bytes, what: what()) : try JSONPayload.decode(T.self, from: bytes, what: what())
    }

    /// Decodes a `T` from the binary or JSON bytes `span` holds (a payload in an ``EventBatch``),
    /// a binary one read in place.
    public static func decode<T: Decodable>(_ type: T.Type, from span: Span<UInt8>, what: @autoclosure () -> String) throws(DocketError) -> T {
        BinaryPayload.isBinary(span) ? try BinaryPayload.decode(T.self, from: span, what: what()) : try JSONPayload.decode(T.self, from: span, what: what())
    }

    /// Decodes a `T` from the binary or JSON bytes `span` holds, a binary one read in place with
    /// `T`'s hand-written coder.
    public static func decode<T: BinaryCodable>(_ type: T.Type, from span: Span<UInt8>, what: @autoclosure () -> String) throws(DocketError) -> T {
        BinaryPayload.isBinary(span) ? try BinaryPayload.decode(T.self, from: span, what: what()) : try JSONPayload.decode(T.self, from: span, what: what())
    }
}

/// A value already in the binary form (without the magic bytes), written as it is wherever it
/// appears inside a value that ``BinaryPayload`` encodes: a part encoded once and reused (the
/// engine's deadline commands). Other encoders refuse it.
package struct BinaryEncodedValue: Encodable, Sendable {
    package let bytes: [UInt8]

    package init<T: Encodable>(_ value: T) throws(DocketError) {
        bytes = Array(try BinaryPayload.encode(value).dropFirst(BinaryPayload.magic.count))
    }

    package func encode(to encoder: any Encoder) throws {
        throw BinaryValueError("a value already in the binary form can only be written by BinaryPayload")
    }
}

@usableFromInline struct BinaryValueError: Error, CustomStringConvertible {
    let message: String
    @usableFromInline init(_ message: String) { self.message = message }
    @usableFromInline var description: String { message }
}

/// Tags: the first byte of every value.
@usableFromInline enum BinaryTag {
    @usableFromInline static let null: UInt8 = 0x00
    @usableFromInline static let `false`: UInt8 = 0x01
    @usableFromInline static let `true`: UInt8 = 0x02
    /// A signed integer, zigzag LEB128.
    @usableFromInline static let int: UInt8 = 0x03
    /// An unsigned integer, LEB128.
    @usableFromInline static let uint: UInt8 = 0x04
    /// A double, 8 bytes little-endian IEEE 754.
    @usableFromInline static let double: UInt8 = 0x05
    /// A string: LEB128 byte length, UTF-8.
    @usableFromInline static let string: UInt8 = 0x06
    /// An array: u32 LE byte length of the elements, then the elements.
    @usableFromInline static let array: UInt8 = 0x07
    /// A map: u32 LE byte length of the entries, then entries (key: LEB128 length, UTF-8; value).
    @usableFromInline static let map: UInt8 = 0x08
    /// A positional map (a row written by a ``BinaryValueWriter`` made `positional`): u32 LE byte
    /// length of the values, then the values of the map's entries in the order they were written,
    /// without their keys; an optional left out is null.
    @usableFromInline static let tuple: UInt8 = 0x09
}

// MARK: - Writing

/// The bytes being written through `Encoder` and the containers still open (their header
/// offsets, innermost last). The bytes themselves are written by ``BinaryValueWriter``, the
/// hand-written coders' writer, so both paths share one implementation of every tag.
final class BinaryWriter {
    var out: BinaryValueWriter
    /// Open containers: the offset of each one's tag byte, and whether its keys are to be sorted.
    var open: [(offset: Int, sortKeys: Bool)] = []
    /// A misuse found while writing (reported when the encoding ends).
    var problem: String?

    init(prefix: [UInt8] = [], capacity: Int = 0) { out = BinaryValueWriter(prefix: prefix, capacity: capacity) }

    // MARK: Scalars

    @inline(__always) func int(_ value: Int64) { out.write(value) }
    @inline(__always) func uint(_ value: UInt64) { out.write(value) }
    @inline(__always) func bool(_ value: Bool) { out.write(value) }
    @inline(__always) func double(_ value: Double) { out.write(value) }
    @inline(__always) func string(_ value: String) { out.write(value) }
    @inline(__always) func null() { out.writeNull() }
    /// A length-prefixed UTF-8 string without a tag (a map entry's key).
    @inline(__always) func raw(_ value: String) { out.raw(value) }

    // MARK: Containers

    /// Opens a container: its tag and a length to be filled in when it closes.
    func openContainer(_ tag: UInt8, sortKeys: Bool = false) -> Int {
        let offset = (tag == BinaryTag.map ? out.beginMap() : out.beginArray()).offset
        open.append((offset, sortKeys))
        return offset
    }

    /// Makes the container at `offset` the innermost open one, closing those opened inside it.
    /// Returns false when it was closed already (written to after a later sibling).
    @inline(__always) func enter(_ offset: Int) -> Bool {
        while let top = open.last {
            if top.offset == offset { return true }
            close()
        }
        problem = problem ?? "a container was written to after it was closed (encode(to:) wrote out of order)"
        return false
    }

    func close() {
        guard let top = open.popLast() else { return }
        if top.sortKeys { sortEntries(from: top.offset + 5) }
        out.end(BinaryValueWriter.Container(offset: top.offset))
    }

    func closeAll() { while !open.isEmpty { close() } }

    /// Sorts a map's entries (from `start` to the end of the bytes) by key bytes.
    func sortEntries(from start: Int) {
        var entries: [(key: Range<Int>, entry: Range<Int>)] = []
        let ok: Bool = out.bytes.withUnsafeBufferPointer { buffer in
            let reader = BinaryReader(buffer)
            var p = start
            while p < buffer.count {
                guard let (length, keyStart) = try? reader.readVarint(at: p, limit: buffer.count), length <= UInt64(buffer.count - keyStart) else { return false }
                let valueStart = keyStart + Int(length)
                guard let end = try? reader.valueEnd(at: valueStart, limit: buffer.count) else { return false }
                entries.append((keyStart..<valueStart, p..<end))
                p = end
            }
            return true
        }
        guard ok, entries.count > 1 else { return }
        let sorted = entries.sorted { a, b in out.bytes[a.key].lexicographicallyPrecedes(out.bytes[b.key]) }
        guard sorted.map(\.entry.lowerBound) != entries.map(\.entry.lowerBound) else { return }
        var sortedBytes: [UInt8] = []
        sortedBytes.reserveCapacity(out.bytes.count - start)
        for e in sorted { sortedBytes.append(contentsOf: out.bytes[e.entry]) }
        out.bytes.replaceSubrange(start..<out.bytes.count, with: sortedBytes)
    }

    // MARK: Values

    func encodeValue<T: Encodable>(_ value: T) throws {
        if T.self == Timestamp.self {
            int(unsafeBitCast(value, to: Timestamp.self).millisecondsSinceEpoch)
            return
        }
        if T.self == String.self {
            string(unsafeBitCast(value, to: String.self))
            return
        }
        if T.self == BinaryEncodedValue.self {
            out.bytes.append(contentsOf: unsafeBitCast(value, to: BinaryEncodedValue.self).bytes)
            return
        }
        let before = out.bytes.count
        try value.encode(to: BinaryValueEncoder(writer: self))
        if out.bytes.count == before {
            // Nothing written (an encode(to:) that asks for no container): an empty map, as JSON writes {}.
            _ = openContainer(BinaryTag.map)
            close()
        }
    }

    /// Whether a keyed container with keys of type `Key` holds a dictionary's entries (its keys are
    /// then sorted, so that equal dictionaries give equal bytes). A dictionary's coding key accepts
    /// any integer; the keys synthesized for structs and enums accept none. (Keys of `Int` raw
    /// values are sorted too: harmless, as lookups do not depend on the order.)
    @inline(__always) static func isDictionaryKey<Key: CodingKey>(_ type: Key.Type) -> Bool {
        Key(intValue: 0) != nil && Key(intValue: -7) != nil
    }
}

struct BinaryValueEncoder: Encoder {
    let writer: BinaryWriter
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let offset = writer.openContainer(BinaryTag.map, sortKeys: BinaryWriter.isDictionaryKey(Key.self))
        return KeyedEncodingContainer(BinaryKeyedEncoder<Key>(writer: writer, offset: offset))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        BinaryUnkeyedEncoder(writer: writer, offset: writer.openContainer(BinaryTag.array))
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { BinarySingleValueEncoder(writer: writer) }
}

struct BinaryKeyedEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let writer: BinaryWriter
    let offset: Int
    var codingPath: [any CodingKey] { [] }

    @inline(__always) private func begin(_ key: Key) -> Bool {
        guard writer.enter(offset) else { return false }
        writer.raw(key.stringValue)
        return true
    }

    mutating func encodeNil(forKey key: Key) throws { if begin(key) { writer.null() } }
    mutating func encode(_ value: Bool, forKey key: Key) throws { if begin(key) { writer.bool(value) } }
    mutating func encode(_ value: String, forKey key: Key) throws { if begin(key) { writer.string(value) } }
    mutating func encode(_ value: Double, forKey key: Key) throws { if begin(key) { writer.double(value) } }
    mutating func encode(_ value: Float, forKey key: Key) throws { if begin(key) { writer.double(Double(value)) } }
    mutating func encode(_ value: Int, forKey key: Key) throws { if begin(key) { writer.int(Int64(value)) } }
    mutating func encode(_ value: Int8, forKey key: Key) throws { if begin(key) { writer.int(Int64(value)) } }
    mutating func encode(_ value: Int16, forKey key: Key) throws { if begin(key) { writer.int(Int64(value)) } }
    mutating func encode(_ value: Int32, forKey key: Key) throws { if begin(key) { writer.int(Int64(value)) } }
    mutating func encode(_ value: Int64, forKey key: Key) throws { if begin(key) { writer.int(value) } }
    mutating func encode(_ value: UInt, forKey key: Key) throws { if begin(key) { writer.uint(UInt64(value)) } }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { if begin(key) { writer.uint(UInt64(value)) } }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { if begin(key) { writer.uint(UInt64(value)) } }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { if begin(key) { writer.uint(UInt64(value)) } }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { if begin(key) { writer.uint(value) } }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { if begin(key) { try writer.encodeValue(value) } }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        _ = begin(key)
        return BinaryValueEncoder(writer: writer).container(keyedBy: NestedKey.self)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        _ = begin(key)
        return BinaryValueEncoder(writer: writer).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { unsupported() }
    mutating func superEncoder(forKey key: Key) -> any Encoder { unsupported() }

    private func unsupported() -> any Encoder {
        writer.problem = writer.problem ?? "superEncoder is not supported by the binary form"
        return BinaryValueEncoder(writer: BinaryWriter())
    }
}

struct BinaryUnkeyedEncoder: UnkeyedEncodingContainer {
    let writer: BinaryWriter
    let offset: Int
    var codingPath: [any CodingKey] { [] }
    var count = 0

    @inline(__always) private mutating func begin() -> Bool {
        count += 1
        return writer.enter(offset)
    }

    mutating func encodeNil() throws { if begin() { writer.null() } }
    mutating func encode(_ value: Bool) throws { if begin() { writer.bool(value) } }
    mutating func encode(_ value: String) throws { if begin() { writer.string(value) } }
    mutating func encode(_ value: Double) throws { if begin() { writer.double(value) } }
    mutating func encode(_ value: Float) throws { if begin() { writer.double(Double(value)) } }
    mutating func encode(_ value: Int) throws { if begin() { writer.int(Int64(value)) } }
    mutating func encode(_ value: Int8) throws { if begin() { writer.int(Int64(value)) } }
    mutating func encode(_ value: Int16) throws { if begin() { writer.int(Int64(value)) } }
    mutating func encode(_ value: Int32) throws { if begin() { writer.int(Int64(value)) } }
    mutating func encode(_ value: Int64) throws { if begin() { writer.int(value) } }
    mutating func encode(_ value: UInt) throws { if begin() { writer.uint(UInt64(value)) } }
    mutating func encode(_ value: UInt8) throws { if begin() { writer.uint(UInt64(value)) } }
    mutating func encode(_ value: UInt16) throws { if begin() { writer.uint(UInt64(value)) } }
    mutating func encode(_ value: UInt32) throws { if begin() { writer.uint(UInt64(value)) } }
    mutating func encode(_ value: UInt64) throws { if begin() { writer.uint(value) } }
    mutating func encode<T: Encodable>(_ value: T) throws { if begin() { try writer.encodeValue(value) } }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        _ = begin()
        return BinaryValueEncoder(writer: writer).container(keyedBy: NestedKey.self)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        _ = begin()
        return BinaryValueEncoder(writer: writer).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        writer.problem = writer.problem ?? "superEncoder is not supported by the binary form"
        return BinaryValueEncoder(writer: BinaryWriter())
    }
}

struct BinarySingleValueEncoder: SingleValueEncodingContainer {
    let writer: BinaryWriter
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws { writer.null() }
    mutating func encode(_ value: Bool) throws { writer.bool(value) }
    mutating func encode(_ value: String) throws { writer.string(value) }
    mutating func encode(_ value: Double) throws { writer.double(value) }
    mutating func encode(_ value: Float) throws { writer.double(Double(value)) }
    mutating func encode(_ value: Int) throws { writer.int(Int64(value)) }
    mutating func encode(_ value: Int8) throws { writer.int(Int64(value)) }
    mutating func encode(_ value: Int16) throws { writer.int(Int64(value)) }
    mutating func encode(_ value: Int32) throws { writer.int(Int64(value)) }
    mutating func encode(_ value: Int64) throws { writer.int(value) }
    mutating func encode(_ value: UInt) throws { writer.uint(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { writer.uint(UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { writer.uint(UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { writer.uint(UInt64(value)) }
    mutating func encode(_ value: UInt64) throws { writer.uint(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { try writer.encodeValue(value) }
}

// MARK: - Reading

/// Reads binary values from a buffer that outlives it (the decode call's `withUnsafeBufferPointer`).
/// Every read checks its bounds and throws ``BinaryValueError`` on malformed bytes; it never traps.
/// A struct holding only the buffer: copying it costs no reference counting.
@usableFromInline struct BinaryReader {
    @usableFromInline let buffer: UnsafeBufferPointer<UInt8>

    init(_ buffer: UnsafeBufferPointer<UInt8>) { self.buffer = buffer }

    @usableFromInline @inline(__always) func byte(at p: Int, limit: Int) throws -> UInt8 {
        guard p < limit else { throw BinaryValueError("truncated at byte \(p)") }
        return buffer[p]
    }

    /// A LEB128 integer at `p`: its value and the offset after it.
    @usableFromInline @inline(__always) func readVarint(at p: Int, limit: Int) throws -> (UInt64, Int) {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var i = p
        while true {
            guard i < limit else { throw BinaryValueError("truncated integer at byte \(p)") }
            let b = buffer[i]
            i += 1
            guard shift < 64, shift < 63 || b <= 1 else { throw BinaryValueError("integer at byte \(p) is longer than 64 bits") }
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return (result, i) }
            shift += 7
        }
    }

    /// A container's content range, after its tag at `p`.
    @usableFromInline @inline(__always) func containerRange(at p: Int, limit: Int) throws -> Range<Int> {
        guard p + 5 <= limit else { throw BinaryValueError("truncated container at byte \(p)") }
        let length = Int(buffer[p + 1]) | Int(buffer[p + 2]) << 8 | Int(buffer[p + 3]) << 16 | Int(buffer[p + 4]) << 24
        guard length <= limit - (p + 5) else { throw BinaryValueError("container at byte \(p) runs past its end") }
        return (p + 5)..<(p + 5 + length)
    }

    /// The offset just after the value at `p`.
    @usableFromInline
    func valueEnd(at p: Int, limit: Int) throws -> Int {
        switch try byte(at: p, limit: limit) {
        case BinaryTag.null, BinaryTag.false, BinaryTag.true: return p + 1
        case BinaryTag.int, BinaryTag.uint: return try readVarint(at: p + 1, limit: limit).1
        case BinaryTag.double:
            guard p + 9 <= limit else { throw BinaryValueError("truncated number at byte \(p)") }
            return p + 9
        case BinaryTag.string:
            let (length, start) = try readVarint(at: p + 1, limit: limit)
            guard length <= UInt64(limit - start) else { throw BinaryValueError("string at byte \(p) runs past its end") }
            return start + Int(length)
        case BinaryTag.array, BinaryTag.map, BinaryTag.tuple: return try containerRange(at: p, limit: limit).upperBound
        case let tag: throw BinaryValueError("unknown tag \(tag) at byte \(p)")
        }
    }

    @usableFromInline
    func string(at p: Int, limit: Int) throws -> String {
        guard try byte(at: p, limit: limit) == BinaryTag.string else { throw mismatch("a string", at: p) }
        let (length, start) = try readVarint(at: p + 1, limit: limit)
        guard length <= UInt64(limit - start) else { throw BinaryValueError("string at byte \(p) runs past its end") }
        return String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<(start + Int(length))]), as: UTF8.self)
    }

    @usableFromInline
    func int64(at p: Int, limit: Int) throws -> Int64 {
        switch try byte(at: p, limit: limit) {
        case BinaryTag.int:
            let raw = try readVarint(at: p + 1, limit: limit).0
            return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
        case BinaryTag.uint:
            let raw = try readVarint(at: p + 1, limit: limit).0
            guard raw <= UInt64(Int64.max) else { throw BinaryValueError("number at byte \(p) does not fit") }
            return Int64(raw)
        default: throw mismatch("an integer", at: p)
        }
    }

    @usableFromInline
    func uint64(at p: Int, limit: Int) throws -> UInt64 {
        switch try byte(at: p, limit: limit) {
        case BinaryTag.uint: return try readVarint(at: p + 1, limit: limit).0
        case BinaryTag.int:
            let v = try int64(at: p, limit: limit)
            guard v >= 0 else { throw BinaryValueError("negative number at byte \(p) for an unsigned field") }
            return UInt64(v)
        default: throw mismatch("an unsigned integer", at: p)
        }
    }

    @usableFromInline
    func integer<I: FixedWidthInteger>(_ type: I.Type, at p: Int, limit: Int) throws -> I {
        if I.isSigned {
            guard let v = I(exactly: try int64(at: p, limit: limit)) else { throw BinaryValueError("number at byte \(p) does not fit \(I.self)") }
            return v
        }
        guard let v = I(exactly: try uint64(at: p, limit: limit)) else { throw BinaryValueError("number at byte \(p) does not fit \(I.self)") }
        return v
    }

    @usableFromInline
    func double(at p: Int, limit: Int) throws -> Double {
        switch try byte(at: p, limit: limit) {
        case BinaryTag.double:
            guard p + 9 <= limit else { throw BinaryValueError("truncated number at byte \(p)") }
            var bits: UInt64 = 0
            for i in 0..<8 { bits |= UInt64(buffer[p + 1 + i]) << (8 * UInt64(i)) }
            return Double(bitPattern: bits)
        case BinaryTag.int: return Double(try int64(at: p, limit: limit))
        case BinaryTag.uint: return Double(try uint64(at: p, limit: limit))
        default: throw mismatch("a number", at: p)
        }
    }

    @usableFromInline
    func bool(at p: Int, limit: Int) throws -> Bool {
        switch try byte(at: p, limit: limit) {
        case BinaryTag.true: return true
        case BinaryTag.false: return false
        default: throw mismatch("a boolean", at: p)
        }
    }

    @usableFromInline
    func mismatch(_ expected: String, at p: Int) -> BinaryValueError {
        let tag = p < buffer.count ? buffer[p] : 0xFF
        let found: String
        switch tag {
        case BinaryTag.null: found = "null"
        case BinaryTag.false, BinaryTag.true: found = "a boolean"
        case BinaryTag.int, BinaryTag.uint, BinaryTag.double: found = "a number"
        case BinaryTag.string: found = "a string"
        case BinaryTag.array: found = "an array"
        case BinaryTag.map: found = "a map"
        case BinaryTag.tuple: found = "a positional map (read only by hand-written coders)"
        default: found = "tag \(tag)"
        }
        return BinaryValueError("expected \(expected) at byte \(p), found \(found)")
    }

    /// Appends the value at `p` as JSON text.
    func json(at p: Int, limit: Int, into out: inout String) throws {
        func quoted(_ s: String) {
            out.append("\"")
            for u in s.unicodeScalars {
                switch u {
                case "\"": out.append("\\\"")
                case "\\": out.append("\\\\")
                case "\n": out.append("\\n")
                case "\r": out.append("\\r")
                case "\t": out.append("\\t")
                case let c where c.value < 0x20:
                    let hex = String(c.value, radix: 16)
                    out.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
                default: out.unicodeScalars.append(u)
                }
            }
            out.append("\"")
        }
        switch try byte(at: p, limit: limit) {
        case BinaryTag.null: out.append("null")
        case BinaryTag.false: out.append("false")
        case BinaryTag.true: out.append("true")
        case BinaryTag.int: out.append(String(try int64(at: p, limit: limit)))
        case BinaryTag.uint: out.append(String(try uint64(at: p, limit: limit)))
        case BinaryTag.double:
            let d = try double(at: p, limit: limit)
            out.append(d.isFinite ? "\(d)" : "null")
        case BinaryTag.string: quoted(try string(at: p, limit: limit))
        case BinaryTag.array, BinaryTag.tuple:
            // A positional map has no keys to show: its values appear as an array.
            let range = try containerRange(at: p, limit: limit)
            out.append("[")
            var q = range.lowerBound
            while q < range.upperBound {
                if q > range.lowerBound { out.append(",") }
                try json(at: q, limit: range.upperBound, into: &out)
                q = try valueEnd(at: q, limit: range.upperBound)
            }
            out.append("]")
        case BinaryTag.map:
            let range = try containerRange(at: p, limit: limit)
            out.append("{")
            var q = range.lowerBound
            while q < range.upperBound {
                if q > range.lowerBound { out.append(",") }
                let (length, keyStart) = try readVarint(at: q, limit: range.upperBound)
                guard length <= UInt64(range.upperBound - keyStart) else { throw BinaryValueError("key at byte \(q) runs past its map") }
                quoted(String(decoding: UnsafeBufferPointer(rebasing: buffer[keyStart..<(keyStart + Int(length))]), as: UTF8.self))
                out.append(":")
                let valueStart = keyStart + Int(length)
                try json(at: valueStart, limit: range.upperBound, into: &out)
                q = try valueEnd(at: valueStart, limit: range.upperBound)
            }
            out.append("}")
        case let tag: throw BinaryValueError("unknown tag \(tag) at byte \(p)")
        }
    }

    @usableFromInline
    func decodeValue<T: Decodable>(_ type: T.Type, at p: Int, limit: Int, key: String?) throws -> T {
        if T.self == Timestamp.self {
            return unsafeBitCast(Timestamp(millisecondsSinceEpoch: try int64(at: p, limit: limit)), to: T.self)
        }
        if T.self == String.self { return unsafeBitCast(try string(at: p, limit: limit), to: T.self) }
        return try T(from: BinaryValueDecoder(reader: self, position: p, limit: limit))
    }
}

struct BinaryValueDecoder: Decoder {
    let reader: BinaryReader
    let position: Int
    let limit: Int
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard try reader.byte(at: position, limit: limit) == BinaryTag.map else { throw reader.mismatch("a map", at: position) }
        return KeyedDecodingContainer(BinaryKeyedDecoder<Key>(reader: reader, range: try reader.containerRange(at: position, limit: limit)))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard try reader.byte(at: position, limit: limit) == BinaryTag.array else { throw reader.mismatch("an array", at: position) }
        return BinaryUnkeyedDecoder(reader: reader, range: try reader.containerRange(at: position, limit: limit))
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        BinarySingleValueDecoder(reader: reader, position: position, limit: limit)
    }
}

struct BinaryKeyedDecoder<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let reader: BinaryReader
    let range: Range<Int>
    /// Where the last lookup matched: fields are usually read in the order they were written, so
    /// the next lookup starts there.
    private let cursor: Cursor
    var codingPath: [any CodingKey] { [] }

    final class Cursor {
        var offset: Int
        init(_ offset: Int) { self.offset = offset }
    }

    init(reader: BinaryReader, range: Range<Int>) {
        self.reader = reader
        self.range = range
        cursor = Cursor(range.lowerBound)
    }

    /// The offset of `key`'s value, or nil when the map has no such key.
    private func find(_ key: Key) throws -> Int? {
        var name = key.stringValue
        let buffer = reader.buffer
        let end = range.upperBound
        return try name.withUTF8 { wanted -> Int? in
            let start = cursor.offset
            var p = start
            var wrapped = false
            while true {
                if wrapped, p >= start { return nil }
                if p >= end {
                    if wrapped { return nil }
                    wrapped = true
                    p = range.lowerBound
                    continue
                }
                let (length, keyStart) = try reader.readVarint(at: p, limit: end)
                guard length <= UInt64(end - keyStart) else { throw BinaryValueError("key at byte \(p) runs past its map") }
                let valueStart = keyStart + Int(length)
                if Int(length) == wanted.count, UnsafeBufferPointer(rebasing: buffer[keyStart..<valueStart]).elementsEqual(wanted) {
                    cursor.offset = p
                    return valueStart
                }
                p = try reader.valueEnd(at: valueStart, limit: end)
            }
        }
    }

    private func require(_ key: Key) throws -> Int {
        guard let p = try find(key) else { throw BinaryValueError("no value for key \(key.stringValue.debugDescription)") }
        return p
    }

    var allKeys: [Key] {
        var keys: [Key] = []
        var p = range.lowerBound
        while p < range.upperBound {
            guard let (length, keyStart) = try? reader.readVarint(at: p, limit: range.upperBound), length <= UInt64(range.upperBound - keyStart) else { break }
            let name = String(decoding: UnsafeBufferPointer(rebasing: reader.buffer[keyStart..<(keyStart + Int(length))]), as: UTF8.self)
            if let key = Key(stringValue: name) { keys.append(key) }
            guard let next = try? reader.valueEnd(at: keyStart + Int(length), limit: range.upperBound) else { break }
            p = next
        }
        return keys
    }

    func contains(_ key: Key) -> Bool {
        ((try? find(key)) ?? nil) != nil
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let p = try find(key) else { return true }
        return reader.buffer[p] == BinaryTag.null
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try reader.bool(at: try require(key), limit: range.upperBound) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try reader.string(at: try require(key), limit: range.upperBound) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try reader.double(at: try require(key), limit: range.upperBound) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try reader.double(at: try require(key), limit: range.upperBound)) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try reader.integer(Int.self, at: try require(key), limit: range.upperBound) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try reader.integer(Int8.self, at: try require(key), limit: range.upperBound) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try reader.integer(Int16.self, at: try require(key), limit: range.upperBound) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try reader.integer(Int32.self, at: try require(key), limit: range.upperBound) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try reader.int64(at: try require(key), limit: range.upperBound) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try reader.integer(UInt.self, at: try require(key), limit: range.upperBound) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try reader.integer(UInt8.self, at: try require(key), limit: range.upperBound) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try reader.integer(UInt16.self, at: try require(key), limit: range.upperBound) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try reader.integer(UInt32.self, at: try require(key), limit: range.upperBound) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try reader.uint64(at: try require(key), limit: range.upperBound) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try reader.decodeValue(T.self, at: try require(key), limit: range.upperBound, key: key.stringValue)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let p = try find(key), reader.buffer[p] != BinaryTag.null else { return nil }
        return try reader.decodeValue(T.self, at: p, limit: range.upperBound, key: key.stringValue)
    }

    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        guard let p = try find(key), reader.buffer[p] != BinaryTag.null else { return nil }
        return try reader.string(at: p, limit: range.upperBound)
    }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
        guard let p = try find(key), reader.buffer[p] != BinaryTag.null else { return nil }
        return try reader.bool(at: p, limit: range.upperBound)
    }

    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
        guard let p = try find(key), reader.buffer[p] != BinaryTag.null else { return nil }
        return try reader.integer(Int.self, at: p, limit: range.upperBound)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try BinaryValueDecoder(reader: reader, position: try require(key), limit: range.upperBound).container(keyedBy: NestedKey.self)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try BinaryValueDecoder(reader: reader, position: try require(key), limit: range.upperBound).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { throw BinaryValueError("superDecoder is not supported by the binary form") }
    func superDecoder(forKey key: Key) throws -> any Decoder { throw BinaryValueError("superDecoder is not supported by the binary form") }
}

struct BinaryUnkeyedDecoder: UnkeyedDecodingContainer {
    let reader: BinaryReader
    let range: Range<Int>
    private var position: Int
    var codingPath: [any CodingKey] { [] }
    private(set) var currentIndex = 0
    var count: Int? { nil }
    var isAtEnd: Bool { position >= range.upperBound }

    init(reader: BinaryReader, range: Range<Int>) {
        self.reader = reader
        self.range = range
        position = range.lowerBound
    }

    /// The next element's offset; moves past it.
    private mutating func next() throws -> Int {
        guard position < range.upperBound else { throw BinaryValueError("array ends after \(currentIndex) elements") }
        let p = position
        position = try reader.valueEnd(at: p, limit: range.upperBound)
        currentIndex += 1
        return p
    }

    mutating func decodeNil() throws -> Bool {
        guard position < range.upperBound, reader.buffer[position] == BinaryTag.null else { return false }
        _ = try next()
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try reader.bool(at: try next(), limit: range.upperBound) }
    mutating func decode(_ type: String.Type) throws -> String { try reader.string(at: try next(), limit: range.upperBound) }
    mutating func decode(_ type: Double.Type) throws -> Double { try reader.double(at: try next(), limit: range.upperBound) }
    mutating func decode(_ type: Float.Type) throws -> Float { Float(try reader.double(at: try next(), limit: range.upperBound)) }
    mutating func decode(_ type: Int.Type) throws -> Int { try reader.integer(Int.self, at: try next(), limit: range.upperBound) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try reader.integer(Int8.self, at: try next(), limit: range.upperBound) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try reader.integer(Int16.self, at: try next(), limit: range.upperBound) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try reader.integer(Int32.self, at: try next(), limit: range.upperBound) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try reader.int64(at: try next(), limit: range.upperBound) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try reader.integer(UInt.self, at: try next(), limit: range.upperBound) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try reader.integer(UInt8.self, at: try next(), limit: range.upperBound) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try reader.integer(UInt16.self, at: try next(), limit: range.upperBound) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try reader.integer(UInt32.self, at: try next(), limit: range.upperBound) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try reader.uint64(at: try next(), limit: range.upperBound) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try reader.decodeValue(T.self, at: try next(), limit: range.upperBound, key: nil)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try BinaryValueDecoder(reader: reader, position: try next(), limit: range.upperBound).container(keyedBy: NestedKey.self)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try BinaryValueDecoder(reader: reader, position: try next(), limit: range.upperBound).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { throw BinaryValueError("superDecoder is not supported by the binary form") }
}

struct BinarySingleValueDecoder: SingleValueDecodingContainer {
    let reader: BinaryReader
    let position: Int
    let limit: Int
    var codingPath: [any CodingKey] { [] }

    func decodeNil() -> Bool { position < limit && reader.buffer[position] == BinaryTag.null }
    func decode(_ type: Bool.Type) throws -> Bool { try reader.bool(at: position, limit: limit) }
    func decode(_ type: String.Type) throws -> String { try reader.string(at: position, limit: limit) }
    func decode(_ type: Double.Type) throws -> Double { try reader.double(at: position, limit: limit) }
    func decode(_ type: Float.Type) throws -> Float { Float(try reader.double(at: position, limit: limit)) }
    func decode(_ type: Int.Type) throws -> Int { try reader.integer(Int.self, at: position, limit: limit) }
    func decode(_ type: Int8.Type) throws -> Int8 { try reader.integer(Int8.self, at: position, limit: limit) }
    func decode(_ type: Int16.Type) throws -> Int16 { try reader.integer(Int16.self, at: position, limit: limit) }
    func decode(_ type: Int32.Type) throws -> Int32 { try reader.integer(Int32.self, at: position, limit: limit) }
    func decode(_ type: Int64.Type) throws -> Int64 { try reader.int64(at: position, limit: limit) }
    func decode(_ type: UInt.Type) throws -> UInt { try reader.integer(UInt.self, at: position, limit: limit) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try reader.integer(UInt8.self, at: position, limit: limit) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try reader.integer(UInt16.self, at: position, limit: limit) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try reader.integer(UInt32.self, at: position, limit: limit) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try reader.uint64(at: position, limit: limit) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try reader.decodeValue(T.self, at: position, limit: limit, key: nil) }
}

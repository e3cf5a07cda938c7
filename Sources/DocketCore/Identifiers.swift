import Foundation
/// The name of one event stream, for example one dispute case (`case-2026-000123`).
///
/// A stream id is 1 to ``StreamID/maximumUTF8Length`` bytes of UTF-8 without NUL characters.
/// The bound exists because stream ids are LMDB keys (at most 511 bytes) and are followed by a
/// separator and a version in the `streams` index.
public struct StreamID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The longest stream id accepted, in UTF-8 bytes.
    public static let maximumUTF8Length = 200

    /// The id as text.
    public let rawValue: String

    /// Validates and wraps a stream id.
    /// - Throws: ``DocketError`` with code ``DocketError/Code/invalidArgument`` when the id is empty,
    ///   too long or contains a NUL character.
    public init(_ rawValue: String) throws(DocketError) {
        let count = rawValue.utf8.count
        guard count > 0, count <= Self.maximumUTF8Length, !rawValue.utf8.contains(0) else {
            throw DocketError(
                .invalidArgument,
                "stream id must be 1...\(Self.maximumUTF8Length) UTF-8 bytes without NUL, got \(count) bytes: \(rawValue.debugDescription)"
            )
        }
        self.rawValue = rawValue
    }

    /// Wraps text already validated (read back from a record whose hash the store checks).
    init(trusted rawValue: String) { self.rawValue = rawValue }

    /// Wraps a stream id that is known to be valid (a literal in code); traps if it is not.
    public init(verbatim rawValue: String) {
        do { try self.init(rawValue) } catch { preconditionFailure(error.message) }
    }

    public var description: String { rawValue }

    /// Byte-wise, like the store's keys: two ids are equal only when their UTF-8 bytes are, even
    /// where Swift's `String` would call them equal (canonically equivalent text such as "é" written
    /// as one or as two scalars names two streams).
    public static func == (lhs: StreamID, rhs: StreamID) -> Bool { UTF8Bytes.equal(lhs.rawValue, rhs.rawValue) }

    public func hash(into hasher: inout Hasher) {
        var text = rawValue
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Byte-wise UTF-8 order: the order of the store's index.
    public static func < (lhs: StreamID, rhs: StreamID) -> Bool { UTF8Bytes.less(lhs.rawValue, rhs.rawValue) }
}

/// A string compared and hashed by its UTF-8 bytes, as LMDB compares keys; for dictionaries keyed
/// by idempotency keys.
public struct ByteString: Hashable, Sendable {
    /// The text.
    public let value: String
    /// Wraps `value`.
    public init(_ value: String) { self.value = value }

    /// Whether two optional strings (command ids) are the same byte for byte.
    public static func same(_ a: String?, _ b: String?) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case (let x?, let y?): UTF8Bytes.equal(x, y)
        default: false
        }
    }
    public static func == (lhs: ByteString, rhs: ByteString) -> Bool { UTF8Bytes.equal(lhs.value, rhs.value) }
    public func hash(into hasher: inout Hasher) {
        var text = value
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

/// Byte-wise comparisons of strings' UTF-8, done on the contiguous bytes (for native strings,
/// without copying) rather than through the generic `UTF8View` iterators.
public enum UTF8Bytes {
    /// Whether `a` and `b` have the same UTF-8 bytes.
    @inline(__always)
    public static func equal(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        var x = a, y = b
        return x.withUTF8 { bx in y.withUTF8 { by in bx.count == 0 || memcmp(bx.baseAddress!, by.baseAddress!, bx.count) == 0 } }
    }

    /// Whether `a`'s UTF-8 sorts before `b`'s, byte by byte (a prefix sorts first).
    @inline(__always)
    public static func less(_ a: String, _ b: String) -> Bool {
        var x = a, y = b
        return x.withUTF8 { bx in y.withUTF8 { by in less(UnsafeRawBufferPointer(bx), UnsafeRawBufferPointer(by)) } }
    }

    /// Whether bytes `x` sort before bytes `y`, byte by byte, a prefix first: the order LMDB gives
    /// keys, and the order of projection rows.
    @inline(__always)
    package static func less(_ x: UnsafeRawBufferPointer, _ y: UnsafeRawBufferPointer) -> Bool {
        let n = Swift.min(x.count, y.count)
        if n > 0 {
            let c = memcmp(x.baseAddress!, y.baseAddress!, n)
            if c != 0 { return c < 0 }
        }
        return x.count < y.count
    }
}

extension StreamID: ExpressibleByStringLiteral {
    /// A stream id from a literal; traps on an invalid literal (a programmer error).
    public init(stringLiteral value: String) { self.init(verbatim: value) }
}

/// The version of a stream: the number of events it holds. A stream that does not exist is at
/// version ``none`` (0); its first event has version 1.
public struct StreamVersion: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The number of events in the stream.
    public let value: UInt64
    /// Creates a version.
    public init(_ value: UInt64) { self.value = value }
    /// The version of a stream with no events.
    public static let none = StreamVersion(0)
    /// The version of the first event of any stream.
    public static let first = StreamVersion(1)
    /// The version after this one.
    public var next: StreamVersion { StreamVersion(value + 1) }
    public var description: String { String(value) }
    public static func < (lhs: StreamVersion, rhs: StreamVersion) -> Bool { lhs.value < rhs.value }
}

/// A position in the global log. Positions are gap-free: the first event is at 1, each next event
/// one higher. ``beforeFirst`` (0) is the position before any event, the checkpoint of a reader
/// that has seen nothing.
public struct LogPosition: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The position as a number.
    public let value: UInt64
    /// Creates a position.
    public init(_ value: UInt64) { self.value = value }
    /// The position before the first event.
    public static let beforeFirst = LogPosition(0)
    /// The position of the first event of every log.
    public static let first = LogPosition(1)
    /// The position after this one.
    public var next: LogPosition { LogPosition(value + 1) }
    public var description: String { String(value) }
    public static func < (lhs: LogPosition, rhs: LogPosition) -> Bool { lhs.value < rhs.value }
}

/// What an append expects of a stream's version; checked inside the write transaction.
public enum ExpectedVersion: Hashable, Sendable, CustomStringConvertible {
    /// Append whatever the stream's version.
    case any
    /// The stream must not exist yet (version ``StreamVersion/none``).
    case noStream
    /// The stream must exist (hold at least one event).
    case streamExists
    /// The stream must be exactly at this version.
    case exact(StreamVersion)

    /// Whether a stream at `actual` satisfies this expectation.
    public func isSatisfied(by actual: StreamVersion) -> Bool {
        switch self {
        case .any: true
        case .noStream: actual == .none
        case .streamExists: actual != .none
        case .exact(let v): actual == v
        }
    }

    public var description: String {
        switch self {
        case .any: "any"
        case .noStream: "noStream"
        case .streamExists: "streamExists"
        case .exact(let v): "exact(\(v))"
        }
    }
}

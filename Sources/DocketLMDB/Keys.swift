@_spi(Storage) import DocketCore
#if canImport(Glibc)
import Glibc
#endif

/// Key layouts of the named databases (`Specs/format.md`). All integers in keys are big-endian so
/// that LMDB's byte order is the logical order.
enum Keys {
    static let metaFormat = Array("format".utf8)
    static let metaChain = Array("chain".utf8)
    static let metaCreated = Array("created".utf8)
    static let metaIndexed = Array("indexed".utf8)

    /// `events` key: the position, 8 bytes big-endian.
    @inline(__always)
    static func withPosition<R>(_ p: LogPosition, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeBytes(of: p.value.bigEndian, body)
    }

    /// `streams` key: the stream id's UTF-8, a 0 byte, the version 8 bytes big-endian.
    static func withStreamIndex<R>(_ s: StreamID, _ v: StreamVersion, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var id = s.rawValue
        return try id.withUTF8 { utf8 in
            try withUnsafeTemporaryAllocation(byteCount: utf8.count + 9, alignment: 1) { buf in
                buf.copyMemory(from: UnsafeRawBufferPointer(utf8))
                buf[utf8.count] = 0
                buf.storeBytes(of: v.value.bigEndian, toByteOffset: utf8.count + 1, as: UInt64.self)
                return try body(UnsafeRawBufferPointer(buf))
            }
        }
    }

    /// `heads` and `idempotency` keys: the text's UTF-8.
    static func withText<R>(_ text: String, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var t = text
        return try t.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
    }

    static func readUInt64BE(_ raw: UnsafeRawBufferPointer, at offset: Int = 0) -> UInt64 {
        UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    static func encodeHead(_ h: StreamHead) -> (UInt64, UInt64) { (h.version.value.bigEndian, h.lastPosition.value.bigEndian) }

    static func decodeHead(_ raw: UnsafeRawBufferPointer) throws(DocketError) -> StreamHead {
        guard raw.count == 16 else { throw DocketError(.corruptRecord, "a stream head is \(raw.count) bytes, not 16") }
        return StreamHead(version: StreamVersion(readUInt64BE(raw)), lastPosition: LogPosition(readUInt64BE(raw, at: 8)))
    }

    static func decodeChain(_ raw: UnsafeRawBufferPointer) throws(DocketError) -> ChainHead {
        guard raw.count == 40, let hash = EventHash(raw: UnsafeRawBufferPointer(rebasing: raw[8..<40])) else {
            throw DocketError(.corruptRecord, "the stored chain head is \(raw.count) bytes, not 40")
        }
        return ChainHead(position: LogPosition(readUInt64BE(raw)), hash: hash)
    }

    static func encodeChain(_ c: ChainHead) -> [UInt8] {
        var out = [UInt8]()
        withUnsafeBytes(of: c.position.value.bigEndian) { out.append(contentsOf: $0) }
        out += c.hash.bytes
        return out
    }
}

extension Transaction {
    func chainHead() throws -> ChainHead {
        guard let raw = try Keys.metaChain.withUnsafeBytes({ try get(dbs.meta, $0) }) else { return .empty }
        return try Keys.decodeChain(raw)
    }

    /// The last position in the log, read without decoding the chain head's hash.
    func lastPosition() throws -> LogPosition {
        guard let raw = try Keys.metaChain.withUnsafeBytes({ try get(dbs.meta, $0) }) else { return .beforeFirst }
        guard raw.count == 40 else { throw DocketError(.corruptRecord, "the stored chain head is \(raw.count) bytes, not 40") }
        return LogPosition(Keys.readUInt64BE(raw))
    }

    func head(of stream: StreamID) throws -> StreamHead? {
        guard let raw = try Keys.withText(stream.rawValue, { try get(dbs.heads, $0) }) else { return nil }
        return try Keys.decodeHead(raw)
    }

    func record(at position: LogPosition) throws -> RecordedEvent? {
        guard let raw = try Keys.withPosition(position, { try get(dbs.events, $0) }) else { return nil }
        return try RecordCodec.decode(raw, expectedPosition: position)
    }

    /// The positions of up to `count` consecutive versions of `stream` from `version` on, read with
    /// one cursor walk; shorter when the index holds fewer (the rest is in the unindexed tail).
    func indexedPositions(of stream: StreamID, from version: StreamVersion, count: Int) throws -> [LogPosition] {
        var out: [LogPosition] = []
        out.reserveCapacity(count)
        let prefix = stream.rawValue.utf8.count + 1
        try Keys.withStreamIndex(stream, version) { start in
            try scan(dbs.streams, from: start) { key, value in
                guard key.count == prefix + 8, value.count == 8,
                    memcmp(key.baseAddress!, start.baseAddress!, prefix) == 0,
                    Keys.readUInt64BE(key, at: prefix) == version.value + UInt64(out.count)
                else { return false }
                out.append(LogPosition(Keys.readUInt64BE(value)))
                return out.count < count
            }
        }
        return out
    }

    /// The idempotency entry of the command whose records start at `position`: its run of records
    /// sharing the command id `key`, rebuilt into the result and fingerprint the appender stored.
    func commandEntry(key: String, at position: LogPosition) throws -> IdempotencyEntry {
        var run: [RecordedEvent] = []
        try Keys.withPosition(position) { start in
            try scan(dbs.events, from: start) { k, value in
                let e = try RecordCodec.decode(value, expectedPosition: LogPosition(Keys.readUInt64BE(k)))
                guard let id = e.commandID, UTF8Bytes.equal(id, key) else { return false }
                run.append(e)
                return true
            }
        }
        guard run.first?.position == position, let entry = IdempotencyEntry.rebuild(from: run) else {
            throw DocketError(.corruptRecord, "the idempotency index points command \(key.debugDescription) at position \(position), which holds none of its records")
        }
        return entry
    }

    func indexedPosition(of stream: StreamID, version: StreamVersion) throws -> LogPosition? {
        guard let raw = try Keys.withStreamIndex(stream, version, { try get(dbs.streams, $0) }) else { return nil }
        guard raw.count == 8 else { throw DocketError(.corruptRecord, "stream index entry \(stream)@\(version) is \(raw.count) bytes, not 8") }
        return LogPosition(Keys.readUInt64BE(raw))
    }
}

/// The appender's view of an LMDB write transaction. Keeps one cursor per log database so that
/// runs of appends land on the page the cursor already holds.
final class LMDBLogWriter: LogWriteTransaction, RecordReservingTransaction {
    let txn: Transaction
    private var eventsCursor: OpaquePointer?
    private var streamsCursor: OpaquePointer?
    private var idempotencyCursor: OpaquePointer?

    init(txn: Transaction) { self.txn = txn }

    func head(of stream: StreamID) throws -> StreamHead? { try txn.head(of: stream) }

    func idempotencyEntry(for key: String) throws -> IdempotencyEntry? {
        guard let raw = try Keys.withText(key, { try txn.get(txn.dbs.idempotency, $0) }) else { return nil }
        guard raw.count == 8 else { throw DocketError(.corruptRecord, "the idempotency entry of \(key.debugDescription) is \(raw.count) bytes, not 8") }
        return try txn.commandEntry(key: key, at: LogPosition(Keys.readUInt64BE(raw)))
    }

    func chainHead() throws -> ChainHead { try txn.chainHead() }

    func putRecord(_ record: [UInt8], at position: LogPosition) throws {
        try putRecord(size: record.count, at: position) { raw in record.withUnsafeBytes { raw.copyMemory(from: $0) } }
    }

    /// Writes the record straight into the space LMDB reserves for it in its page.
    func putRecord(size: Int, at position: LogPosition, _ write: (UnsafeMutableRawBufferPointer) -> Void) throws {
        if eventsCursor == nil { eventsCursor = try txn.openCursor(txn.dbs.events) }
        let cursor = eventsCursor!
        try Keys.withPosition(position) { key in write(try txn.reserve(cursor: cursor, key, size: size, append: true)) }
    }

    func putStreamIndex(_ stream: StreamID, version: StreamVersion, position: LogPosition) throws {
        try putStreamIndex(stream, firstVersion: version, positions: CollectionOfOne(position))
    }

    /// Indexes consecutive versions of one stream from `firstVersion`, at the given positions: the
    /// key is laid out once and only its version changes from entry to entry.
    func putStreamIndex(_ stream: StreamID, firstVersion: StreamVersion, positions: some Sequence<LogPosition>) throws {
        if streamsCursor == nil { streamsCursor = try txn.openCursor(txn.dbs.streams) }
        let cursor = streamsCursor!
        try Keys.withStreamIndex(stream, firstVersion) { first in
            try withUnsafeTemporaryAllocation(byteCount: first.count, alignment: 1) { key in
                key.copyMemory(from: first)
                var version = firstVersion.value
                for p in positions {
                    key.storeBytes(of: version.bigEndian, toByteOffset: key.count - 8, as: UInt64.self)
                    try Keys.withPosition(p) { try txn.put(cursor: cursor, UnsafeRawBufferPointer(key), $0) }
                    version += 1
                }
            }
        }
    }

    func putHead(_ head: StreamHead, of stream: StreamID) throws {
        let value = Keys.encodeHead(head)
        try Keys.withText(stream.rawValue) { key in
            try withUnsafeBytes(of: value) { try txn.put(txn.dbs.heads, key, $0) }
        }
    }

    func putIdempotencyEntry(_ entry: IdempotencyEntry, for key: String) throws {
        try putIdempotencyPosition(entry.result.firstPosition, for: key)
    }

    /// Stores only the command's first position: its result and fingerprint are rebuilt from its records.
    func putIdempotencyPosition(_ first: LogPosition, for key: String) throws {
        if idempotencyCursor == nil { idempotencyCursor = try txn.openCursor(txn.dbs.idempotency) }
        let cursor = idempotencyCursor!
        try Keys.withText(key) { k in try Keys.withPosition(first) { try txn.put(cursor: cursor, k, $0) } }
    }

    func putChainHead(_ head: ChainHead) throws {
        let bytes = Keys.encodeChain(head)
        try Keys.metaChain.withUnsafeBytes { k in try bytes.withUnsafeBytes { try txn.put(txn.dbs.meta, k, $0) } }
    }
}

/// The verifier's view of an LMDB read transaction.
struct LMDBLogReader: LogReadTransaction {
    let txn: Transaction

    func forEachRecord(_ body: (LogPosition, UnsafeRawBufferPointer) throws -> Bool) throws {
        try txn.scan(txn.dbs.events, from: nil) { key, value in
            guard key.count == 8 else {
                throw DocketError(.corruptRecord, "an events key is \(key.count) bytes, not 8")
            }
            return try body(LogPosition(Keys.readUInt64BE(key)), value)
        }
    }

    func indexedPosition(of stream: StreamID, version: StreamVersion) throws -> LogPosition? {
        try txn.indexedPosition(of: stream, version: version)
    }

    func streamIndexCount() throws -> UInt64 { try txn.count(txn.dbs.streams) }

    func forEachHead(_ body: (StreamID, StreamHead) throws -> Void) throws {
        try txn.scan(txn.dbs.heads, from: nil) { key, value in
            let id = try StreamID(String(decoding: key, as: UTF8.self))
            try body(id, try Keys.decodeHead(value))
            return true
        }
    }

    func chainHead() throws -> ChainHead { try txn.chainHead() }

    func indexedThrough() throws -> LogPosition { try txn.indexedThrough() }
}

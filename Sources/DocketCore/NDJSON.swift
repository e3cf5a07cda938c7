public import Foundation

/// The lossless NDJSON form of the log: one JSON object per event, in position order, holding every
/// field of the record including both hashes, so that an import can check the chain line by line.
///
/// Times are written twice: as integer milliseconds (`occurredAtMs`, `recordedAtMs`, what the import
/// reads) and as ISO 8601 text for people (`occurredAt`, `recordedAt`, ignored by the import).
public enum LogNDJSON {
    struct Line: Codable {
        var position: UInt64
        var stream: String
        var version: UInt64
        var type: String
        var schemaVersion: UInt16
        var occurredAtMs: Int64
        var occurredAt: String?
        var recordedAtMs: Int64
        var recordedAt: String?
        var actor: String
        var correlationId: String?
        var causationId: String?
        var commandId: String?
        var payload: String
        var previousHash: String
        var hash: String
    }

    /// Encodes one event as a JSON line (without the trailing newline).
    public static func encode(_ e: RecordedEvent) -> String {
        let line = Line(
            position: e.position.value, stream: e.stream.rawValue, version: e.version.value, type: e.type,
            schemaVersion: e.schemaVersion, occurredAtMs: e.occurredAt.millisecondsSinceEpoch,
            occurredAt: e.occurredAt.iso8601, recordedAtMs: e.recordedAt.millisecondsSinceEpoch,
            recordedAt: e.recordedAt.iso8601, actor: e.metadata.actor, correlationId: e.metadata.correlationID,
            causationId: e.metadata.causationID, commandId: e.commandID,
            payload: Data(e.payload).base64EncodedString(), previousHash: e.previousHash.hex, hash: e.hash.hex)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a struct of strings and integers cannot fail.
        let data = (try? encoder.encode(line)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// Decodes one JSON line and checks that its hash matches its fields.
    /// - Parameters:
    ///   - text: the line.
    ///   - lineNumber: the 1-based line number, named in errors.
    /// - Throws: ``DocketError`` with code ``DocketError/Code/importRejected``.
    public static func decode(_ text: some StringProtocol, lineNumber: Int) throws(DocketError) -> RecordedEvent {
        func reject(_ why: String) -> DocketError { DocketError(.importRejected, "line \(lineNumber): \(why)") }
        let line: Line
        do { line = try JSONDecoder().decode(Line.self, from: Data(text.utf8)) } catch {
            throw reject("not a valid event object (\(error))")
        }
        let stream: StreamID
        do { stream = try StreamID(line.stream) } catch { throw reject(error.message) }
        guard let payload = Data(base64Encoded: line.payload) else { throw reject("payload is not valid base64") }
        guard let previous = EventHash(hex: line.previousHash) else { throw reject("previousHash is not 64 hex digits") }
        guard let hash = EventHash(hex: line.hash) else { throw reject("hash is not 64 hex digits") }
        let event = RecordedEvent(
            position: LogPosition(line.position), stream: stream, version: StreamVersion(line.version), type: line.type,
            schemaVersion: line.schemaVersion, payload: [UInt8](payload),
            occurredAt: Timestamp(millisecondsSinceEpoch: line.occurredAtMs),
            recordedAt: Timestamp(millisecondsSinceEpoch: line.recordedAtMs),
            metadata: CommandMetadata(actor: line.actor, correlationID: line.correlationId, causationID: line.causationId),
            commandID: line.commandId, previousHash: previous, hash: hash)
        do { try RecordCodec.validate(RecordedEventFields(event)) } catch { throw reject(error.message) }
        var buffer: [UInt8] = []
        let computed = RecordCodec.encode(RecordedEventFields(event), into: &buffer)
        guard computed == hash else {
            throw reject("hash \(hash.hex) does not match the line's fields (they hash to \(computed.hex)): the line was altered")
        }
        return event
    }

    /// Checks a sequence of decoded lines for continuity with what came before: positions without a
    /// gap and each record's previous hash equal to the hash before it.
    public struct ChainChecker: Sendable {
        /// The end of the chain so far.
        public private(set) var head: ChainHead
        /// Starts after `head` (``ChainHead/empty`` for an empty store).
        public init(after head: ChainHead) { self.head = head }

        /// Accepts the next event or throws naming the line.
        public mutating func accept(_ e: RecordedEvent, lineNumber: Int) throws(DocketError) {
            guard e.position == head.position.next else {
                throw DocketError(.importRejected, "line \(lineNumber): position \(e.position) follows \(head.position); positions must have no gap")
            }
            guard e.previousHash == head.hash else {
                throw DocketError(.importRejected, "line \(lineNumber): previous hash \(e.previousHash.hex) does not match the hash before it, \(head.hash.hex): the chain is broken")
            }
            head = ChainHead(position: e.position, hash: e.hash)
        }
    }
}

/// A store that can take records verbatim, for NDJSON import and restoring exports.
public protocol ImportableEventStore: EventStore {
    /// Writes records exactly as given (positions, times and hashes kept), after checking that they
    /// continue the log's chain and each stream's versions. All of `records` are written in one
    /// transaction or none. Records sharing a command id must not be split across calls.
    func importRecords(_ records: [RecordedEvent]) async throws

    /// The end of the log's hash chain.
    func chainHead() async throws -> ChainHead
}

extension ImportableEventStore {
    /// Imports an NDJSON export read from `file`. Every line is checked (JSON, hash, chain, position)
    /// before its batch is written; on the first bad line nothing of that batch is written and the
    /// error names the line. Batches before it stay imported (the log is consistent after each).
    ///
    /// - Returns: the number of events imported.
    @discardableResult
    public func importNDJSON(from file: FileHandle, batchSize: Int = 4096) async throws -> UInt64 {
        var checker = LogNDJSON.ChainChecker(after: try await chainHead())
        var versions: [StreamID: StreamVersion] = [:]
        var batch: [RecordedEvent] = []
        var count: UInt64 = 0
        var lineNumber = 0
        var reader = LineReader(file: file)
        while let line = try reader.next() {
            lineNumber += 1
            if line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { continue }
            let event = try LogNDJSON.decode(line, lineNumber: lineNumber)
            try checker.accept(event, lineNumber: lineNumber)
            let current: StreamVersion
            if let v = versions[event.stream] { current = v } else { current = try await head(of: event.stream)?.version ?? .none }
            guard event.version == current.next else {
                throw DocketError(.importRejected, "line \(lineNumber): stream \(event.stream) is at version \(current); the line has version \(event.version)")
            }
            versions[event.stream] = event.version
            // Flush only between commands, so that one command's records stay together.
            if batch.count >= batchSize, let last = batch.last, last.commandID == nil || !ByteString.same(last.commandID, event.commandID) {
                try await importRecords(batch)
                count += UInt64(batch.count)
                batch.removeAll(keepingCapacity: true)
            }
            batch.append(event)
        }
        if !batch.isEmpty {
            try await importRecords(batch)
            count += UInt64(batch.count)
        }
        return count
    }
}

extension EventStore {
    /// Writes the whole log as NDJSON, one event per line, in position order.
    /// - Returns: the number of events written.
    @discardableResult
    public func exportNDJSON(to file: FileHandle) async throws -> UInt64 {
        var after = LogPosition.beforeFirst
        var count: UInt64 = 0
        while true {
            let page = try await readLog(after: after, limit: 4096)
            guard let last = page.last else { return count }
            var chunk = ""
            for e in page {
                chunk += LogNDJSON.encode(e)
                chunk += "\n"
            }
            try file.write(contentsOf: Data(chunk.utf8))
            count += UInt64(page.count)
            after = last.position
        }
    }
}

/// Reads a file line by line in chunks; lines are split on `\n`.
struct LineReader {
    let file: FileHandle
    var pending: [UInt8] = []
    var start = 0
    var atEnd = false

    init(file: FileHandle) { self.file = file }

    mutating func next() throws -> String? {
        while true {
            if let nl = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[start..<nl], as: UTF8.self)
                start = nl + 1
                return line
            }
            if atEnd {
                guard start < pending.count else { return nil }
                let line = String(decoding: pending[start...], as: UTF8.self)
                start = pending.count
                return line
            }
            pending.removeFirst(start)
            start = 0
            if let data = try file.read(upToCount: 1 << 20), !data.isEmpty {
                pending += data
            } else {
                atEnd = true
            }
        }
    }
}

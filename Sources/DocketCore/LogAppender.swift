internal import Crypto

/// A stream's head: its version and the log position of its last event.
public struct StreamHead: Hashable, Sendable {
    /// The stream's version (number of events).
    public var version: StreamVersion
    /// The position of its last event.
    public var lastPosition: LogPosition
    /// Creates a head.
    public init(version: StreamVersion, lastPosition: LogPosition) {
        self.version = version
        self.lastPosition = lastPosition
    }
}

/// The end of the hash chain: the last position written and its record's hash.
public struct ChainHead: Hashable, Sendable {
    /// The last position in the log (``LogPosition/beforeFirst`` when empty).
    public var position: LogPosition
    /// That record's hash (``EventHash/genesis`` when empty).
    public var hash: EventHash
    /// Creates a chain head.
    public init(position: LogPosition, hash: EventHash) {
        self.position = position
        self.hash = hash
    }
    /// The head of an empty log.
    public static let empty = ChainHead(position: .beforeFirst, hash: .genesis)
}

/// The storage operations one write transaction offers to ``LogAppender``. A store implements it
/// over its transaction; reads must see the writes made earlier in the same transaction.
///
/// Not `Sendable`: a value of it lives only inside one synchronous write transaction.
public protocol LogWriteTransaction {
    /// The stream's head, or `nil` when the stream does not exist.
    func head(of stream: StreamID) throws -> StreamHead?
    /// The stored entry for an idempotency key, or `nil`.
    func idempotencyEntry(for key: String) throws -> IdempotencyEntry?
    /// The end of the hash chain.
    func chainHead() throws -> ChainHead
    /// Stores a record at a position that is one past the current last position.
    func putRecord(_ record: [UInt8], at position: LogPosition) throws
    /// Stores the index entry `(stream, version) → position`.
    func putStreamIndex(_ stream: StreamID, version: StreamVersion, position: LogPosition) throws
    /// Stores the index entries of a run of consecutive positions of one stream, the first at
    /// `firstVersion`. The default stores each with ``putStreamIndex(_:version:position:)``.
    func putStreamIndex(_ stream: StreamID, firstVersion: StreamVersion, positions: ClosedRange<UInt64>) throws
    /// Stores a stream's head.
    func putHead(_ head: StreamHead, of stream: StreamID) throws
    /// Stores an idempotency entry.
    func putIdempotencyEntry(_ entry: IdempotencyEntry, for key: String) throws
    /// Stores the end of the hash chain.
    func putChainHead(_ head: ChainHead) throws
}

extension LogWriteTransaction {
    /// Stores each entry of the run with ``putStreamIndex(_:version:position:)``.
    public func putStreamIndex(_ stream: StreamID, firstVersion: StreamVersion, positions: ClosedRange<UInt64>) throws {
        var version = firstVersion
        for p in positions {
            try putStreamIndex(stream, version: version, position: LogPosition(p))
            version = version.next
        }
    }
}

/// A write transaction that can hand out the memory a record will occupy, so that the appender
/// writes each record there directly (the LMDB store reserves it in its page) rather than into a
/// buffer that is then copied. An implementation detail of Docket's own stores: it deals in raw
/// memory, so it is SPI, and any other ``LogWriteTransaction`` is written through
/// ``LogWriteTransaction/putRecord(_:at:)``.
@_spi(Storage) public protocol RecordReservingTransaction {
    /// Stores a record of `size` bytes at a position one past the current last position, written by
    /// `write` into memory of exactly that size, valid only during the call.
    func putRecord(size: Int, at position: LogPosition, _ write: (UnsafeMutableRawBufferPointer) -> Void) throws
}

/// An append made with an idempotency key: the request's fingerprint (to detect a key reused for
/// another request) and its first result. The LMDB store persists only the first position and
/// rebuilds the rest from the command's records (`Specs/format.md`, section 7).
public struct IdempotencyEntry: Hashable, Sendable {
    /// SHA-256 over the request's actor, streams, event types, schema versions, occurred-at times and
    /// payloads. Not covered: expected versions (a retry may carry stale ones), correlation and
    /// causation ids.
    public var fingerprint: EventHash
    /// The first result.
    public var result: AppendResult

    /// Creates an entry.
    public init(fingerprint: EventHash, result: AppendResult) {
        self.fingerprint = fingerprint
        self.result = result
    }

    /// The fingerprint of a request: what a retry of the same command reproduces exactly.
    /// SHA-256, in one pass, over the bytes laid out in `Specs/format.md` section 7.
    public static func fingerprint(of request: AppendRequest) -> EventHash {
        var buf = [UInt8]()
        buf.reserveCapacity(request.streams.reduce(64) { $0 + 32 + $1.events.reduce(0) { $0 + 48 + $1.type.utf8.count + $1.payload.count } })
        RecordCodec.appendString(request.metadata.actor, to: &buf)
        for s in request.streams {
            RecordCodec.appendString(s.stream.rawValue, to: &buf)
            RecordCodec.appendLE(UInt32(s.events.count), to: &buf)
            for e in s.events {
                RecordCodec.appendString(e.type, to: &buf)
                RecordCodec.appendLE(e.schemaVersion, to: &buf)
                RecordCodec.appendLE(e.occurredAt.millisecondsSinceEpoch, to: &buf)
                RecordCodec.appendLE(UInt32(e.payload.count), to: &buf)
                buf.append(contentsOf: e.payload)
            }
        }
        return RecordCodec.digest(of: buf)
    }

    /// Whether a command's run of records can be replayed: it names at most 65,535 streams, as every
    /// append does (only a log written otherwise could exceed it). Cheap: no fingerprint.
    public static func isReplayable(_ events: [RecordedEvent]) -> Bool {
        guard events.count > Int(UInt16.max) else { return true }
        return Set(events.map(\.stream)).count <= Int(UInt16.max)
    }

    /// Rebuilds one command's entry from its contiguous run of records, which share its command id
    /// (used by imports, tail rebuilds and LMDB lookups); `nil` for an empty run or one naming more
    /// than 65,535 streams.
    public static func rebuild(from events: [RecordedEvent]) -> IdempotencyEntry? {
        guard let first = events.first, let last = events.last else { return nil }
        var streams: [AppendResult.StreamRange] = []
        var requestStreams: [StreamAppend] = []
        for e in events {
            let newEvent = NewEvent(type: e.type, schemaVersion: e.schemaVersion, payload: e.payload, occurredAt: e.occurredAt)
            if let i = streams.lastIndex(where: { $0.stream == e.stream }) {
                streams[i].lastVersion = e.version
                requestStreams[i].events.append(newEvent)
            } else {
                streams.append(.init(stream: e.stream, firstVersion: e.version, lastVersion: e.version))
                requestStreams.append(StreamAppend(stream: e.stream, expected: .any, events: [newEvent]))
            }
        }
        // Appends name at most UInt16.max streams; only a log written otherwise could exceed it, and
        // such a command cannot be replayed.
        guard streams.count <= Int(UInt16.max) else { return nil }
        let request = AppendRequest(streams: requestStreams, metadata: first.metadata, idempotencyKey: first.commandID)
        return IdempotencyEntry(
            fingerprint: fingerprint(of: request),
            result: AppendResult(firstPosition: first.position, lastPosition: last.position, streams: streams, isReplay: false))
    }
}

/// An append request checked and fingerprinted before it reaches the writer, so that this work runs
/// on the caller's task rather than on the store's single writer thread.
public struct PreparedAppend: Sendable {
    /// The request.
    public let request: AppendRequest
    /// Why the request cannot be appended, if it is malformed.
    public let invalid: DocketError?
    /// The request's fingerprint, when it carries an idempotency key.
    public let fingerprint: EventHash?

    /// Validates `request` and computes its fingerprint.
    public init(_ request: AppendRequest) {
        self.request = request
        do {
            try LogAppender.validate(request)
            self.invalid = nil
            self.fingerprint = request.idempotencyKey.map { _ in IdempotencyEntry.fingerprint(of: request) }
        } catch {
            self.invalid = error
            self.fingerprint = nil
        }
    }
}

/// The append logic shared by every store: idempotency, expected versions, positions, the stream
/// index and the hash chain, applied to one write transaction for a batch of requests.
///
/// Each request is validated completely before any of its writes, so a refused request writes
/// nothing; a failure of the transaction itself (thrown) fails the whole batch, and the store
/// aborts the transaction.
public enum LogAppender {
    /// Checks a request's shape: 1 to 65,535 streams, each named once with at least one event, event
    /// types non-empty, a non-empty idempotency key if any, strings and payloads within bounds.
    public static func validate(_ request: AppendRequest) throws(DocketError) {
        guard !request.streams.isEmpty else { throw DocketError(.invalidArgument, "an append must name at least one stream") }
        guard request.streams.count <= Int(UInt16.max) else {
            throw DocketError(.invalidArgument, "an append names \(request.streams.count) streams; at most \(UInt16.max) are allowed")
        }
        try RecordCodec.validate(text: request.metadata.actor, "actor")
        if let c = request.metadata.correlationID { try RecordCodec.validate(text: c, "correlation id") }
        if let c = request.metadata.causationID { try RecordCodec.validate(text: c, "causation id") }
        if let k = request.idempotencyKey {
            try RecordCodec.validate(text: k, "idempotency key")
            guard !k.isEmpty else { throw DocketError(.invalidArgument, "an idempotency key must not be empty") }
        }
        var seen = Set<StreamID>()
        for s in request.streams {
            // One stream (the common case) cannot be named twice: skip the set.
            guard request.streams.count == 1 || seen.insert(s.stream).inserted else {
                throw DocketError(.invalidArgument, "stream \(s.stream) is named twice in one append; give all its events in one entry")
            }
            guard !s.events.isEmpty else { throw DocketError(.invalidArgument, "the append to stream \(s.stream) has no events") }
            for e in s.events {
                guard !e.type.isEmpty else { throw DocketError(.invalidArgument, "an event of stream \(s.stream) has an empty type name") }
                try RecordCodec.validate(text: e.type, "event type name")
                guard e.payload.count <= RecordCodec.maximumPayloadSize else {
                    throw DocketError(.invalidArgument, "an event payload of \(e.payload.count) bytes exceeds the limit of \(RecordCodec.maximumPayloadSize)")
                }
            }
        }
        for operation in request.timers { try operation.validate() }
    }

    /// Appends a batch of requests within one write transaction and returns each request's outcome.
    ///
    /// - Returns: for each request, its result, or the error that refused it (``VersionConflict``,
    ///   or ``DocketError`` with ``DocketError/Code/invalidArgument`` or
    ///   ``DocketError/Code/idempotencyKeyReused``). A refused request wrote nothing.
    /// - Throws: a storage failure; the caller must abort the transaction and fail or retry the batch.
    public static func append<T: LogWriteTransaction & TimerWriteTransaction>(
        _ requests: [AppendRequest], recordedAt: Timestamp, in txn: T
    ) throws -> [Result<AppendResult, any Error>] {
        try append(requests.map(PreparedAppend.init), recordedAt: recordedAt, in: txn)
    }

    /// Appends a batch of requests already validated and fingerprinted by ``PreparedAppend``.
    ///
    /// Each record is encoded once, straight into the memory the store gives it where the store
    /// can (its own stores), else into an array given to ``LogWriteTransaction/putRecord(_:at:)``.
    public static func append<T: LogWriteTransaction & TimerWriteTransaction>(
        _ requests: [PreparedAppend], recordedAt: Timestamp, in txn: T
    ) throws -> [Result<AppendResult, any Error>] {
        var chain = try txn.chainHead()
        let startChain = chain
        var outcomes: [Result<AppendResult, any Error>] = []
        outcomes.reserveCapacity(requests.count)
        for prepared in requests {
            let request = prepared.request
            if let invalid = prepared.invalid {
                outcomes.append(.failure(invalid))
                continue
            }
            let fingerprint = prepared.fingerprint
            if let key = request.idempotencyKey, let existing = try txn.idempotencyEntry(for: key) {
                if existing.fingerprint == fingerprint {
                    var replay = existing.result
                    replay.isReplay = true
                    outcomes.append(.success(replay))
                } else {
                    outcomes.append(.failure(DocketError(
                        .idempotencyKeyReused,
                        "idempotency key \(key.debugDescription) was already used for a different append (first appended at positions \(existing.result.firstPosition)...\(existing.result.lastPosition))")))
                }
                continue
            }
            // A fired timer completes only if it is still scheduled at the instant it fired for:
            // when it was moved or cancelled meanwhile, the command it carried is stale.
            if let stale = try staleCompletion(request.timers, in: txn) {
                outcomes.append(.failure(stale))
                continue
            }
            var heads: [StreamHead?] = []
            heads.reserveCapacity(request.streams.count)
            var conflict: VersionConflict?
            for s in request.streams {
                let head = try txn.head(of: s.stream)
                let actual = head?.version ?? .none
                if !s.expected.isSatisfied(by: actual) {
                    conflict = VersionConflict(stream: s.stream, expected: s.expected, actual: actual)
                    break
                }
                heads.append(head)
            }
            if let conflict {
                outcomes.append(.failure(conflict))
                continue
            }
            // Validated: write everything.
            let firstPosition = chain.position.next
            var ranges: [AppendResult.StreamRange] = []
            ranges.reserveCapacity(request.streams.count)
            for (s, head) in zip(request.streams, heads) {
                var version = head?.version ?? .none
                let firstVersion = version.next
                // What the stream's records share is laid out once.
                let template = RecordCodec.Template(stream: s.stream, recordedAt: recordedAt, metadata: request.metadata, commandID: request.idempotencyKey)
                if let reserving = txn as? any RecordReservingTransaction {
                    try template.encodeRun(s.events, chain: &chain, version: &version) { try reserving.putRecord(size: $0, at: $1, $2) }
                } else {
                    try template.encodeRun(s.events, chain: &chain, version: &version) { size, position, write in
                        var record = [UInt8](repeating: 0, count: size)
                        record.withUnsafeMutableBytes(write)
                        try txn.putRecord(record, at: position)
                    }
                }
                // A stream's events of one request lie at consecutive positions: indexed as one run.
                if !s.events.isEmpty {
                    let last = chain.position.value
                    try txn.putStreamIndex(s.stream, firstVersion: firstVersion, positions: (last - UInt64(s.events.count) + 1)...last)
                }
                try txn.putHead(StreamHead(version: version, lastPosition: chain.position), of: s.stream)
                ranges.append(.init(stream: s.stream, firstVersion: firstVersion, lastVersion: version))
            }
            let result = AppendResult(firstPosition: firstPosition, lastPosition: chain.position, streams: ranges, isReplay: false)
            if let key = request.idempotencyKey, let fingerprint {
                try txn.putIdempotencyEntry(IdempotencyEntry(fingerprint: fingerprint, result: result), for: key)
            }
            for operation in request.timers { try txn.apply(operation) }
            outcomes.append(.success(result))
        }
        if chain != startChain { try txn.putChainHead(chain) }
        return outcomes
    }
}

extension LogAppender {
    /// The error refusing a request whose `.complete` operation names a timer that is no longer
    /// scheduled at that instant, or `nil`.
    static func staleCompletion<T: TimerWriteTransaction>(_ operations: [TimerOperation], in txn: T) throws -> DocketError? {
        for case .complete(let id, let due) in operations {
            let current = try txn.timer(id)
            guard current?.due == due else {
                return DocketError(
                    .timerSuperseded,
                    "timer \(id) is no longer due at \(due) (\(current.map { "now due at \($0.due)" } ?? "cancelled")); its command is not applied")
            }
        }
        return nil
    }

    /// Writes records verbatim (for import), after checking that each continues the chain, carries a
    /// hash that matches its bytes, and continues its stream's versions. Throws before writing
    /// anything when a record fails these checks; the caller aborts the transaction on any throw.
    /// Idempotency entries are rebuilt from runs of records sharing a command id.
    public static func importRecords<T: LogWriteTransaction>(_ records: [RecordedEvent], in txn: T, buffer: inout [UInt8]) throws {
        var chain = try txn.chainHead()
        var heads: [StreamID: StreamHead] = [:]
        var encoded: [[UInt8]] = []
        encoded.reserveCapacity(records.count)
        for (i, e) in records.enumerated() {
            func reject(_ why: String) -> DocketError {
                DocketError(.importRejected, "record \(i + 1) of the batch (position \(e.position)): \(why)")
            }
            guard e.position == chain.position.next else { throw reject("expected position \(chain.position.next); positions must have no gap") }
            guard e.previousHash == chain.hash else { throw reject("previous hash \(e.previousHash.hex) does not match the chain head \(chain.hash.hex)") }
            do { try RecordCodec.validate(RecordedEventFields(e)) } catch { throw reject(error.message) }
            let hash = RecordCodec.encode(RecordedEventFields(e), into: &buffer)
            guard hash == e.hash else { throw reject("hash \(e.hash.hex) does not match the record's fields (\(hash.hex))") }
            let current: StreamHead?
            if let h = heads[e.stream] { current = h } else { current = try txn.head(of: e.stream) }
            let version = current?.version ?? .none
            guard e.version == version.next else { throw reject("stream \(e.stream) is at version \(version); the record has version \(e.version)") }
            heads[e.stream] = StreamHead(version: e.version, lastPosition: e.position)
            chain = ChainHead(position: e.position, hash: hash)
            encoded.append(buffer)
        }
        for (e, bytes) in zip(records, encoded) {
            try txn.putRecord(bytes, at: e.position)
            try txn.putStreamIndex(e.stream, version: e.version, position: e.position)
        }
        for (id, head) in heads { try txn.putHead(head, of: id) }
        var start = 0
        while start < records.count {
            var end = start + 1
            if let key = records[start].commandID {
                while end < records.count, ByteString.same(records[end].commandID, key) { end += 1 }
                if let entry = IdempotencyEntry.rebuild(from: Array(records[start..<end])) {
                    try txn.putIdempotencyEntry(entry, for: key)
                }
            }
            start = end
        }
        if !records.isEmpty { try txn.putChainHead(chain) }
    }
}

/// The result of walking a log with `verify`.
public struct VerificationReport: Sendable, Hashable, CustomStringConvertible {
    /// How many records were checked.
    public var eventsChecked: UInt64
    /// How many streams the log holds.
    public var streamsChecked: Int
    /// The hash of the last record checked (``EventHash/genesis`` for an empty log).
    public var lastHash: EventHash
    /// The first problem found, or `nil` when the log is intact.
    public var problem: VerificationProblem?

    /// Whether no problem was found.
    public var isIntact: Bool { problem == nil }

    /// Creates a report.
    public init(eventsChecked: UInt64, streamsChecked: Int, lastHash: EventHash, problem: VerificationProblem?) {
        self.eventsChecked = eventsChecked
        self.streamsChecked = streamsChecked
        self.lastHash = lastHash
        self.problem = problem
    }

    public var description: String {
        if let problem { return "NOT INTACT after \(eventsChecked) events: \(problem)" }
        return "intact: \(eventsChecked) events in \(streamsChecked) streams, chain head \(lastHash.hex)"
    }
}

/// The first disagreement `verify` found.
public struct VerificationProblem: Sendable, Hashable, CustomStringConvertible {
    /// What disagrees.
    public enum Kind: String, Sendable, Hashable {
        /// A record's stored hash differs from SHA-256 over its bytes: the record was altered.
        case hashMismatch
        /// A record's previous-hash differs from the hash of the record before it.
        case chainBroken
        /// Positions skip or repeat, or a record holds another position than its key.
        case positionGap
        /// A record cannot be decoded.
        case undecodableRecord
        /// The stream index does not point a (stream, version) at the record holding it, or has extra entries.
        case streamIndexMismatch
        /// A stream's versions skip or repeat.
        case streamVersionGap
        /// A stream's stored head differs from its last record.
        case headMismatch
        /// The stored end of the chain differs from the last record.
        case chainHeadMismatch
        /// An idempotency entry does not point at the first record of its command.
        case idempotencyIndexMismatch
    }

    /// What disagrees.
    public var kind: Kind
    /// The position where it was found, when it concerns one record.
    public var position: LogPosition?
    /// A sentence saying what was expected and what was found.
    public var detail: String

    /// Creates a problem.
    public init(kind: Kind, position: LogPosition?, detail: String) {
        self.kind = kind
        self.position = position
        self.detail = detail
    }

    public var description: String {
        "\(kind.rawValue)\(position.map { " at position \($0)" } ?? ""): \(detail)"
    }
}

/// Read access to a log's storage within one read transaction, for ``LogVerifier``.
public protocol LogReadTransaction {
    /// Calls `body` with each record's key and bytes in key order; stops when `body` returns `false`.
    func forEachRecord(_ body: (LogPosition, UnsafeRawBufferPointer) throws -> Bool) throws
    /// The position the stream index gives for `(stream, version)`.
    func indexedPosition(of stream: StreamID, version: StreamVersion) throws -> LogPosition?
    /// The number of entries in the stream index.
    func streamIndexCount() throws -> UInt64
    /// Every stored stream head.
    func forEachHead(_ body: (StreamID, StreamHead) throws -> Void) throws
    /// The stored end of the hash chain.
    func chainHead() throws -> ChainHead
    /// The position through which the stream index and heads are complete. Records after it (the
    /// tail) are indexed in memory by a write-behind store and have no index entries yet.
    func indexedThrough() throws -> LogPosition
}

extension LogReadTransaction {
    /// A store that indexes every record as it appends it: complete through the chain head.
    public func indexedThrough() throws -> LogPosition { try chainHead().position }
}

/// The verification walk shared by every store.
public enum LogVerifier {
    /// Walks the log and its indexes; returns the first problem found.
    public static func verify<T: LogReadTransaction>(_ txn: T) throws -> VerificationReport {
        var expected = LogPosition.first
        var previous = EventHash.genesis
        var count: UInt64 = 0
        var streams: [StreamID: StreamHead] = [:]
        var problem: VerificationProblem?
        let indexed = try txn.indexedThrough()
        var headsAtIndexed: [StreamID: StreamHead] = [:]

        try txn.forEachRecord { key, bytes in
            func fail(_ kind: VerificationProblem.Kind, _ detail: String) -> Bool {
                problem = VerificationProblem(kind: kind, position: key, detail: detail)
                return false
            }
            guard key == expected else {
                return fail(.positionGap, "expected position \(expected), found a record keyed \(key)")
            }
            let event: RecordedEvent
            do { event = try RecordCodec.decode(bytes) } catch {
                return fail(.undecodableRecord, "\(error)")
            }
            guard event.position == key else {
                return fail(.positionGap, "the record stored at \(key) holds position \(event.position)")
            }
            guard let computed = RecordCodec.computedHash(of: bytes), computed == event.hash else {
                return fail(.hashMismatch, "stored hash \(event.hash.hex) but the record's bytes hash to \(RecordCodec.computedHash(of: bytes)?.hex ?? "?"): the record was altered")
            }
            guard event.previousHash == previous else {
                return fail(.chainBroken, "record names previous hash \(event.previousHash.hex) but the record before it hashes to \(previous.hex)")
            }
            let lastVersion = streams[event.stream]?.version ?? .none
            guard event.version == lastVersion.next else {
                return fail(.streamVersionGap, "stream \(event.stream) goes from version \(lastVersion) to \(event.version)")
            }
            let entry = try txn.indexedPosition(of: event.stream, version: event.version)
            if key <= indexed {
                guard entry == key else {
                    return fail(.streamIndexMismatch, "the stream index maps \(event.stream)@\(event.version) to \(entry.map(String.init(describing:)) ?? "nothing")")
                }
            } else if let entry {
                return fail(.streamIndexMismatch, "record \(key) is after the indexed position \(indexed) but the stream index maps \(event.stream)@\(event.version) to \(entry)")
            }
            streams[event.stream] = StreamHead(version: event.version, lastPosition: key)
            if key == indexed { headsAtIndexed = streams }
            previous = event.hash
            count += 1
            expected = key.next
            return true
        }
        func report(_ p: VerificationProblem?) -> VerificationReport {
            VerificationReport(eventsChecked: count, streamsChecked: streams.count, lastHash: previous, problem: p)
        }
        if let problem { return report(problem) }

        let stored = try txn.chainHead()
        let walked = ChainHead(position: LogPosition(count), hash: previous)
        if stored != walked {
            return report(VerificationProblem(
                kind: .chainHeadMismatch, position: stored.position,
                detail: "the stored chain head is position \(stored.position) hash \(stored.hash.hex); the log ends at \(walked.position) hash \(walked.hash.hex)"))
        }
        if indexed > walked.position {
            return report(VerificationProblem(kind: .streamIndexMismatch, position: indexed, detail: "the index claims to cover position \(indexed) but the log ends at \(walked.position)"))
        }
        let indexCount = try txn.streamIndexCount()
        if indexCount != indexed.value {
            return report(VerificationProblem(kind: .streamIndexMismatch, position: nil, detail: "the stream index has \(indexCount) entries for the \(indexed.value) indexed events"))
        }
        var headProblem: VerificationProblem?
        var headCount = 0
        try txn.forEachHead { id, head in
            headCount += 1
            if headProblem == nil, headsAtIndexed[id] != head {
                let walkedHead = headsAtIndexed[id]
                headProblem = VerificationProblem(
                    kind: .headMismatch, position: head.lastPosition,
                    detail: "stream \(id) has stored head version \(head.version) at \(head.lastPosition); its records end at version \(walkedHead?.version ?? .none) at \(walkedHead?.lastPosition ?? .beforeFirst)")
            }
        }
        if let headProblem { return report(headProblem) }
        if headCount != headsAtIndexed.count {
            return report(VerificationProblem(kind: .headMismatch, position: nil, detail: "\(headCount) stream heads are stored for the \(headsAtIndexed.count) streams of the indexed log"))
        }
        return report(nil)
    }
}

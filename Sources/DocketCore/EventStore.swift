/// The direction of a stream read.
public enum ReadDirection: Sendable, Hashable {
    /// From the given version upwards.
    case forward
    /// From the given version downwards.
    case backward
}

extension StreamVersion {
    /// Used with a backward read: start from the stream's last event.
    public static let end = StreamVersion(UInt64.max)
}

extension ReadDirection {
    /// The versions a stream read returns, in order: up to `limit` of them, starting at `version`
    /// (inclusive), within a stream whose last version is `last`.
    public func versions(from version: StreamVersion, limit: Int, last: StreamVersion) -> [StreamVersion] {
        guard limit > 0 else { return [] }
        switch self {
        case .forward:
            let start = Swift.max(version.value, 1)
            guard start <= last.value else { return [] }
            let end = Swift.min(last.value, start &+ UInt64(limit) - 1)
            return (start...end).map(StreamVersion.init)
        case .backward:
            let start = Swift.min(version.value, last.value)
            guard start >= 1 else { return [] }
            let end = start > UInt64(limit) ? start - UInt64(limit) + 1 : 1
            return (end...start).reversed().map(StreamVersion.init)
        }
    }
}

/// An append-only event log: streams of events, a global gap-free order, atomic appends checked
/// against expected versions, idempotent by command id, with a tamper-evident hash chain.
///
/// Implementations: `LMDBEventStore` (module `DocketLMDB`, durable, on disk) and
/// `InMemoryEventStore` (module `DocketTesting`). Both pass the conformance suite in `DocketTesting`.
public protocol EventStore: Sendable {
    /// Appends events to one or more streams atomically: every stream's expected version is checked
    /// and, if all hold, all events are appended; otherwise nothing is.
    ///
    /// Returns once the events are durable (for a durable store). A request whose idempotency key was
    /// appended before returns that first result with ``AppendResult/isReplay`` set and appends nothing.
    /// - Throws: ``VersionConflict`` when a stream is not at its expected version; ``DocketError``
    ///   for invalid input (``DocketError/Code/invalidArgument``), a key reused for another request
    ///   (``DocketError/Code/idempotencyKeyReused``) or a storage failure.
    @discardableResult
    func append(_ request: AppendRequest) async throws -> AppendResult

    /// Reads up to `limit` events of a stream, starting at `version` (inclusive) in `direction`.
    /// Forward from ``StreamVersion/first`` reads from the start; backward from ``StreamVersion/end``
    /// reads from the last event. A stream that does not exist reads as empty.
    func readStream(_ stream: StreamID, from version: StreamVersion, direction: ReadDirection, limit: Int) async throws -> [RecordedEvent]

    /// Reads up to `limit` events of the whole log with positions greater than `position`, in order.
    func readLog(after position: LogPosition, limit: Int) async throws -> [RecordedEvent]

    /// Like ``readLog(after:limit:)``; with `payloads: false` the events' payloads may be left
    /// empty (a store that cannot skip them returns them all the same).
    func readLog(after position: LogPosition, limit: Int, payloads: Bool) async throws -> [RecordedEvent]

    /// Reads what ``readLog(after:limit:payloads:)`` reads, as a batch for projections: a store
    /// that can packs the payloads into one buffer (``EventBatch/isPacked``); the default returns
    /// the events as `readLog` gives them.
    func readBatch(after position: LogPosition, limit: Int, payloads: Bool) async throws -> EventBatch

    /// The position of the last event in the log (``LogPosition/beforeFirst`` when empty).
    func lastPosition() async throws -> LogPosition

    /// A stream's head, or `nil` when it does not exist.
    func head(of stream: StreamID) async throws -> StreamHead?

    /// The first result of the append made with idempotency key `key`, or `nil` when the key was
    /// never used (a store answers this from its idempotency index).
    func appendResult(forIdempotencyKey key: String) async throws -> AppendResult?

    /// Returns when the log's last position is greater than `position`, or after the store's poll
    /// interval (so that appends by another process are seen), or throws `CancellationError`.
    func waitForEvents(after position: LogPosition) async throws

    /// Walks the whole log and its indexes and reports the first place where the hash chain, a
    /// record's hash, the positions, the stream versions, the stream index, the stream heads, the
    /// chain head or (LMDB) the idempotency index disagree.
    func verify() async throws -> VerificationReport
}

extension EventStore {
    /// Reads with payloads: stores that cannot skip them need not implement the variant.
    public func readLog(after position: LogPosition, limit: Int, payloads: Bool) async throws -> [RecordedEvent] {
        try await readLog(after: position, limit: limit)
    }

    /// The events as ``readLog(after:limit:payloads:)`` gives them, in a batch that is not packed.
    public func readBatch(after position: LogPosition, limit: Int, payloads: Bool) async throws -> EventBatch {
        EventBatch(events: try await readLog(after: position, limit: limit, payloads: payloads))
    }

    /// Appends events to one stream. See ``EventStore/append(_:)``.
    @discardableResult
    public func append(
        to stream: StreamID, expected: ExpectedVersion, events: [NewEvent],
        metadata: CommandMetadata, idempotencyKey: String? = nil
    ) async throws -> AppendResult {
        try await append(AppendRequest(stream: stream, expected: expected, events: events, metadata: metadata, idempotencyKey: idempotencyKey))
    }

    /// The stream's current version (``StreamVersion/none`` when it does not exist).
    public func version(of stream: StreamID) async throws -> StreamVersion {
        try await head(of: stream)?.version ?? .none
    }

    /// Reads a whole stream forwards.
    public func readStream(_ stream: StreamID) async throws -> [RecordedEvent] {
        var out: [RecordedEvent] = []
        var next = StreamVersion.first
        while true {
            let page = try await readStream(stream, from: next, direction: .forward, limit: 1024)
            out += page
            guard let last = page.last, page.count == 1024 else { return out }
            next = last.version.next
        }
    }

    /// Follows the log from `position` (exclusive): first the events already stored, then new ones
    /// as they are appended, each exactly once and in order.
    public func subscribe(after position: LogPosition = .beforeFirst, pageSize: Int = 1024) -> EventSubscription {
        EventSubscription(store: self, after: position, pageSize: pageSize)
    }
}

/// An `AsyncSequence` over the log: catches up from a position, then follows new events live.
///
/// It reads the log by position after the last event it delivered, so nothing is missed or repeated
/// at the seam between catching up and following. Ends (returns `nil`) when its task is cancelled.
public struct EventSubscription: AsyncSequence, Sendable {
    public typealias Element = RecordedEvent
    let store: any EventStore
    let after: LogPosition
    let pageSize: Int

    init(store: any EventStore, after: LogPosition, pageSize: Int) {
        self.store = store
        self.after = after
        self.pageSize = Swift.max(1, pageSize)
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(store: store, last: after, pageSize: pageSize)
    }

    /// The subscription's iterator.
    public struct Iterator: AsyncIteratorProtocol {
        let store: any EventStore
        var last: LogPosition
        let pageSize: Int
        var buffer: [RecordedEvent] = []
        var index = 0

        public mutating func next() async throws -> RecordedEvent? {
            while index == buffer.count {
                if Task.isCancelled { return nil }
                buffer = try await store.readLog(after: last, limit: pageSize)
                index = 0
                if buffer.isEmpty {
                    do { try await store.waitForEvents(after: last) } catch is CancellationError { return nil }
                } else {
                    // Reads do not suspend: while catching up on a backlog, let other tasks run
                    // between pages.
                    await Task.yield()
                }
            }
            let event = buffer[index]
            index += 1
            last = event.position
            return event
        }
    }
}

/// The identity of a scheduled timer (a deadline): 1 to 400 bytes of UTF-8, no NUL byte.
///
/// The engine names a deadline's timer after its workflow, stream and deadline name, so that
/// scheduling the same deadline again replaces it. Compared byte by byte, like ``StreamID``.
public struct TimerID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The id's text.
    public let rawValue: String

    /// The longest id in UTF-8 bytes.
    public static let maximumLength = 400

    /// Creates an id, or throws ``DocketError/Code/invalidArgument`` when it is empty, too long or
    /// holds a NUL byte.
    public init(_ rawValue: String) throws(DocketError) {
        let count = rawValue.utf8.count
        guard count > 0 else { throw DocketError(.invalidArgument, "a timer id must not be empty") }
        guard count <= Self.maximumLength else {
            throw DocketError(.invalidArgument, "a timer id is \(count) bytes; at most \(Self.maximumLength) are allowed")
        }
        guard !rawValue.utf8.contains(0) else { throw DocketError(.invalidArgument, "a timer id must not contain a NUL byte") }
        self.rawValue = rawValue
    }

    public var description: String { rawValue }
    public static func == (a: TimerID, b: TimerID) -> Bool { UTF8Bytes.equal(a.rawValue, b.rawValue) }
    public func hash(into hasher: inout Hasher) {
        var text = rawValue
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
    public static func < (a: TimerID, b: TimerID) -> Bool { UTF8Bytes.less(a.rawValue, b.rawValue) }
}

/// A timer waiting in the store's `timers` database: when it is due and what it carries (for the
/// engine: the command to send when it fires).
public struct ScheduledTimer: Hashable, Sendable {
    /// The timer's identity.
    public var id: TimerID
    /// When it is due.
    public var due: Timestamp
    /// What fires, as opaque bytes (at most ``ScheduledTimer/maximumPayloadSize``).
    public var payload: [UInt8]

    /// The largest payload a timer may carry.
    public static let maximumPayloadSize = 64 * 1024

    /// Creates a timer.
    public init(id: TimerID, due: Timestamp, payload: [UInt8]) {
        self.id = id
        self.due = due
        self.payload = payload
    }
}

/// A change to the store's timers, applied in the same transaction as the events of the append that
/// carries it (and only when that append is applied: not when it is refused or replayed).
public enum TimerOperation: Hashable, Sendable {
    /// Schedules a timer, replacing any timer with the same id.
    case schedule(ScheduledTimer)
    /// Removes the timer with this id, if there is one.
    case cancel(TimerID)
    /// Removes the timer with this id only if it is still due at `due`: how a fired timer is
    /// completed, so that a timer rescheduled in the meantime survives.
    case complete(TimerID, due: Timestamp)

    /// The timer the operation acts on.
    public var id: TimerID {
        switch self {
        case .schedule(let t): t.id
        case .cancel(let id), .complete(let id, _): id
        }
    }
}

/// The storage side of timers: what every store offers to schedule, list and complete them.
public protocol TimerStore: Sendable {
    /// Applies timer operations in order, in one transaction, without appending events.
    func updateTimers(_ operations: [TimerOperation]) async throws

    /// Up to `limit` timers due at or before `instant`, earliest first (ties by id).
    func dueTimers(until instant: Timestamp, limit: Int) async throws -> [ScheduledTimer]

    /// The timer with this id, or `nil`.
    func timer(_ id: TimerID) async throws -> ScheduledTimer?

    /// How many timers are scheduled.
    func timerCount() async throws -> Int
}

extension TimerOperation {
    /// Checks the operation's bounds: a scheduled timer's payload size.
    public func validate() throws(DocketError) {
        if case .schedule(let t) = self, t.payload.count > ScheduledTimer.maximumPayloadSize {
            throw DocketError(.invalidArgument, "timer \(t.id) carries \(t.payload.count) bytes; at most \(ScheduledTimer.maximumPayloadSize) are allowed")
        }
    }
}

/// The transaction operations timers need: a store implements them over its write transaction.
public protocol TimerWriteTransaction {
    /// The timer with this id, or `nil`.
    func timer(_ id: TimerID) throws -> ScheduledTimer?
    /// Stores a timer (its id is not currently scheduled).
    func insertTimer(_ timer: ScheduledTimer) throws
    /// Removes a scheduled timer.
    func removeTimer(_ timer: ScheduledTimer) throws
}

extension TimerWriteTransaction {
    /// Applies one operation.
    public func apply(_ operation: TimerOperation) throws {
        switch operation {
        case .schedule(let t):
            if let old = try timer(t.id) { try removeTimer(old) }
            try insertTimer(t)
        case .cancel(let id):
            if let old = try timer(id) { try removeTimer(old) }
        case .complete(let id, let due):
            if let old = try timer(id), old.due == due { try removeTimer(old) }
        }
    }
}

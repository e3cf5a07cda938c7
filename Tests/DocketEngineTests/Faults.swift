import DocketCore
import Synchronization

/// A store that fails on purpose, around a real one: an append or commit either fails before it
/// reaches the store (a crash before the commit) or after it (a crash after the commit, before the
/// caller heard of it). Driven by a seeded generator, so a failing case replays.
final class FaultyStore: EventStore, TimerStore, ProjectionStore {
    struct InjectedFault: Error {}
    typealias Inner = any EventStore & TimerStore & ProjectionStore
    let inner: Inner
    private let state: Mutex<(seed: UInt64, percent: UInt64)>

    init(_ inner: Inner, seed: UInt64, percent: UInt64) {
        self.inner = inner
        state = Mutex((seed | 1, percent))
    }

    func setFaults(percent: UInt64) { state.withLock { $0.percent = percent } }

    /// 0: no fault, 1: fail before, 2: fail after.
    private func roll() -> Int {
        state.withLock { s in
            s.seed ^= s.seed << 13
            s.seed ^= s.seed >> 7
            s.seed ^= s.seed << 17
            guard s.seed % 100 < s.percent else { return 0 }
            return s.seed & 256 == 0 ? 1 : 2
        }
    }

    private func faulty<R>(_ body: () async throws -> R) async throws -> R {
        let r = roll()
        if r == 1 { throw InjectedFault() }
        let value = try await body()
        if r == 2 { throw InjectedFault() }
        return value
    }

    func append(_ request: AppendRequest) async throws -> AppendResult { try await faulty { try await inner.append(request) } }
    func updateTimers(_ operations: [TimerOperation]) async throws { try await faulty { try await inner.updateTimers(operations) } }
    func commitProjection(_ commit: ProjectionCommit) async throws { try await faulty { try await inner.commitProjection(commit) } }

    func readStream(_ stream: StreamID, from version: StreamVersion, direction: ReadDirection, limit: Int) async throws -> [RecordedEvent] {
        try await inner.readStream(stream, from: version, direction: direction, limit: limit)
    }
    func readLog(after position: LogPosition, limit: Int) async throws -> [RecordedEvent] { try await inner.readLog(after: position, limit: limit) }
    func lastPosition() async throws -> LogPosition { try await inner.lastPosition() }
    func appendResult(forIdempotencyKey key: String) async throws -> AppendResult? { try await inner.appendResult(forIdempotencyKey: key) }
    func head(of stream: StreamID) async throws -> StreamHead? { try await inner.head(of: stream) }
    func waitForEvents(after position: LogPosition) async throws { try await inner.waitForEvents(after: position) }
    func verify() async throws -> VerificationReport { try await inner.verify() }
    func dueTimers(until instant: Timestamp, limit: Int) async throws -> [ScheduledTimer] { try await inner.dueTimers(until: instant, limit: limit) }
    func timer(_ id: TimerID) async throws -> ScheduledTimer? { try await inner.timer(id) }
    func timerCount() async throws -> Int { try await inner.timerCount() }
    func projectionStatus(_ name: String) async throws -> ProjectionStatus { try await inner.projectionStatus(name) }
    func readProjection<R>(_ name: String, slot: ProjectionSlot, _ body: (any ProjectionRowReader) throws -> R) async throws -> R {
        try await inner.readProjection(name, slot: slot, body)
    }
    func startProjectionRebuild(_ name: String) async throws { try await inner.startProjectionRebuild(name) }
    func finishProjectionRebuild(_ name: String, expected: LogPosition) async throws { try await inner.finishProjectionRebuild(name, expected: expected) }
    func projectionNames() async throws -> [String] { try await inner.projectionNames() }
}

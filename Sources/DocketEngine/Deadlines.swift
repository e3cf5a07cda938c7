public import DocketCore
import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization

/// What a deadline's timer carries: the stream and the command to send when it fires.
struct DeadlinePayload<Command: Codable & Sendable>: Codable, Sendable {
    var workflow: String
    var stream: String
    var deadline: String
    /// The stream version of the event that scheduled the deadline: part of the fired command's id,
    /// so that a deadline scheduled again for the same instant fires again.
    var scheduledAt: UInt64
    var command: Command

    func commandID(_ timer: ScheduledTimer) -> String { Self.commandID(timer, scheduledAt: scheduledAt) }

    static func commandID(_ timer: ScheduledTimer, scheduledAt: UInt64) -> String {
        "deadline|\(timer.id.rawValue)|\(timer.due.millisecondsSinceEpoch)|\(scheduledAt)"
    }
}

/// ``DeadlinePayload`` as written: the same keys, the command already in the binary form.
struct EncodedDeadlinePayload: Encodable {
    var workflow: String
    var stream: String
    var deadline: String
    var scheduledAt: UInt64
    var command: BinaryEncodedValue
}

/// Deadline commands in the binary form, by deadline name and value: a workflow schedules few
/// distinct ones (usually "this deadline ran out"), so each is encoded once rather than with every
/// timer. Commands that are not `Equatable` are encoded each time.
final class EncodedCommands: Sendable {
    private struct Entry: @unchecked Sendable {
        // Only `Sendable` commands are stored (see `encoded`), so the entry is sendable.
        let command: Any
        let bytes: BinaryEncodedValue
    }

    private let map = Mutex<[String: [Entry]]>([:])

    func encoded<C: Encodable & Sendable>(_ command: C, deadline: String) throws(DocketError) -> BinaryEncodedValue {
        guard let equatable = command as? any Equatable else { return try BinaryEncodedValue(command) }
        let known = map.withLock { $0[deadline] } ?? []
        for entry in known where Self.equal(equatable, entry.command) { return entry.bytes }
        let value = try BinaryEncodedValue(command)
        map.withLock { map in
            var entries = map[deadline] ?? []
            if entries.count >= 16 { entries.removeFirst() }
            entries.append(Entry(command: command, bytes: value))
            map[deadline] = entries
        }
        return value
    }

    private static func equal<T: Equatable>(_ a: T, _ b: Any) -> Bool {
        guard let b = b as? T else { return false }
        return a == b
    }
}

extension WorkflowEngine {
    /// Decodes a timer's payload and sends its command; see ``fire(_:)``.
    func fireCounted(_ timer: ScheduledTimer) async throws -> CommandOutcome<W> {
        do {
            let payload = try Payload.decode(DeadlinePayload<W.Command>.self, from: timer.payload, what: "timer \(timer.id)")
            guard payload.workflow == workflow.name else {
                throw DocketError(.invalidArgument, "timer \(timer.id) belongs to workflow \(payload.workflow), not \(workflow.name)")
            }
            let stream = try StreamID(payload.stream)
            return try await decideAndAppend(
                payload.command, for: stream,
                metadata: CommandMetadata(actor: EngineActor.deadline, causationID: timer.id.rawValue),
                commandID: payload.commandID(timer),
                completing: .complete(timer.id, due: timer.due))
        } catch {
            if (error as? DocketError)?.code != .timerSuperseded { metrics.deadlinesFailed.increment() }
            throw error
        }
    }
}

/// The result of firing one deadline.
public enum DeadlineFiring: Hashable, Sendable {
    /// The fired command was accepted (or had been, before a crash: a replay).
    case accepted
    /// The workflow refused the fired command (the stage had moved on); the timer is removed.
    case rejected(String)
    /// The timer was moved or cancelled after it was read as due; nothing was applied.
    case superseded
}

/// Something that fires the deadlines of one workflow: a ``WorkflowEngine``.
public protocol DeadlineHandler: Sendable {
    /// The workflow whose timers it fires (the first part of their ids).
    var workflowName: String { get }
    /// Sends a due timer's command, and completes the timer in the same transaction.
    func fire(_ timer: ScheduledTimer) async throws -> DeadlineFiring
}

extension WorkflowEngine: DeadlineHandler {
    public var workflowName: String { workflow.name }

    /// The id of a stream's deadline timer: `workflow|stream|deadline`.
    public func timerID(stream: StreamID, deadline: String) throws(DocketError) -> TimerID {
        guard !deadline.isEmpty, !deadline.utf8.contains(UInt8(ascii: "|")) else {
            throw DocketError(.invalidArgument, "deadline name \(deadline.debugDescription) must be non-empty and must not contain '|'")
        }
        return try TimerID("\(workflow.name)|\(stream.rawValue)|\(deadline)")
    }

    func timerOperation(_ effect: DeadlineEffect<W.Command>, stream: StreamID, scheduledAt: StreamVersion) throws(DocketError) -> TimerOperation {
        switch effect {
        case .schedule(let name, let due, let command):
            let deadline = EncodedDeadlinePayload(
                workflow: workflow.name, stream: stream.rawValue, deadline: name, scheduledAt: scheduledAt.value, command: try encodedCommands.encoded(command, deadline: name))
            let timer = ScheduledTimer(id: try timerID(stream: stream, deadline: name), due: due, payload: try Payload.encode(deadline))
            // The fired command carries the timer id as its causation and a command id built from
            // it: both must fit the log's metadata limit, checked now rather than when it fires.
            try RecordCodec.validate(text: timer.id.rawValue, "the timer id of deadline \(name) of stream \(stream)")
            try RecordCodec.validate(text: DeadlinePayload<W.Command>.commandID(timer, scheduledAt: scheduledAt.value), "the command id of deadline \(name) of stream \(stream)")
            return .schedule(timer)
        case .cancel(let name):
            return .cancel(try timerID(stream: stream, deadline: name))
        }
    }

    /// Fires a due timer of this workflow: sends its command to its stream with the command id
    /// `deadline|<timer id>|<due ms>|<version that scheduled it>`, and removes the timer in the same transaction as the
    /// command's events (or on its own when the command is refused or changes nothing). A timer
    /// fires once in effect: after a crash it either is still there (nothing was written) or is gone
    /// with the events; a duplicate fire is answered from the idempotency index.
    public func fire(_ timer: ScheduledTimer) async throws -> DeadlineFiring {
        let outcome: CommandOutcome<W>
        do {
            outcome = try await fireCounted(timer)
        } catch let e as DocketError where e.code == .timerSuperseded {
            return .superseded
        }
        switch outcome {
        case .accepted:
            metrics.deadlinesAccepted.increment()
            return .accepted
        case .rejected(let r):
            metrics.deadlinesRejected.increment()
            logger.info("a deadline's command was refused", metadata: ["timer": "\(timer.id)", "rejection": "\(r)"])
            return .rejected("\(r)")
        }
    }
}

/// Fires due deadlines: `tick(until:)` for batch use and tests, `run()` as a long-running
/// swift-service-lifecycle `Service` that an embedding service adds to its `ServiceGroup`.
public final class DeadlineScheduler: Service, Sendable {
    /// What one tick did.
    public struct TickReport: Hashable, Sendable {
        /// Timers whose command was accepted.
        public var accepted = 0
        /// Timers whose command was refused (removed all the same).
        public var rejected = 0
        /// Timers moved or cancelled after they were read as due (nothing applied).
        public var superseded = 0
        /// Timers no handler was registered for (left in place).
        public var unhandled = 0
        /// Timers that failed (left in place, retried on the next tick).
        public var failed = 0
        /// The total fired (accepted + rejected).
        public var fired: Int { accepted + rejected }
    }

    let store: any TimerStore
    let handlers: [String: any DeadlineHandler]
    let clock: any DocketClock
    let interval: Duration
    let logger: Logger
    /// How many streams' deadlines ``tick(until:)`` fires at once.
    public let concurrency: Int

    /// Creates a scheduler over `store` for the given handlers (one per workflow).
    /// - Parameters:
    ///   - store: where the timers are.
    ///   - handlers: one engine per workflow whose timers it fires.
    ///   - clock: the clock `run()` reads to find due timers.
    ///   - interval: how often `run()` looks for due timers (default 1 s).
    ///   - concurrency: how many streams' deadlines fire at once (default 32; at least 1).
    ///   - logger: where failures are logged.
    /// - Throws: `DocketError.Code.invalidArgument` when two handlers serve the same workflow.
    public init(
        store: any TimerStore, handlers: [any DeadlineHandler], clock: any DocketClock = SystemClock(),
        interval: Duration = .seconds(1), concurrency: Int = 32, logger: Logger = Logger(label: "docket.deadlines")
    ) throws(DocketError) {
        guard concurrency >= 1 else { throw DocketError(.invalidArgument, "a scheduler fires at least 1 stream's deadlines at a time, not \(concurrency)") }
        var byName: [String: any DeadlineHandler] = [:]
        for h in handlers {
            guard byName.updateValue(h, forKey: h.workflowName) == nil else {
                throw DocketError(.invalidArgument, "two deadline handlers serve workflow \(h.workflowName)")
            }
        }
        self.store = store
        self.handlers = byName
        self.clock = clock
        self.interval = interval
        self.concurrency = concurrency
        self.logger = logger
    }

    /// Fires every timer due at or before `instant`, earliest first, until none is left (or only ones
    /// that cannot be fired now). The timers of one stream fire one after another in due order;
    /// different streams fire concurrently (up to ``concurrency`` at a time), so their commands
    /// share the store's group commits.
    @discardableResult
    public func tick(until instant: Timestamp) async throws -> TickReport {
        var report = TickReport()
        var skipped = Set<TimerID>()
        let page = 1_024
        while true {
            try Task.checkCancellation()
            let due = try await store.dueTimers(until: instant, limit: page + skipped.count)
            var progressed = false
            // Timers by stream (the id without its last, deadline part), each stream's in due order.
            var order: [Substring] = []
            var byStream: [Substring: [ScheduledTimer]] = [:]
            for timer in due where !skipped.contains(timer.id) {
                let id = timer.id.rawValue
                let stream = id[..<(id.lastIndex(of: "|") ?? id.endIndex)]
                if byStream[stream] == nil { order.append(stream) }
                byStream[stream, default: []].append(timer)
            }
            let results = try await withThrowingTaskGroup(of: [(TimerID, FireResult)].self) { group in
                var out: [(TimerID, FireResult)] = []
                var running = 0
                for stream in order {
                    if running >= concurrency, let done = try await group.next() {
                        out += done
                        running -= 1
                    }
                    let timers = byStream[stream] ?? []
                    group.addTask { await self.fireInOrder(timers) }
                    running += 1
                }
                for try await done in group { out += done }
                return out
            }
            for (id, result) in results {
                switch result {
                case .fired(.accepted):
                    report.accepted += 1
                    progressed = true
                case .fired(.rejected(_)):
                    report.rejected += 1
                    progressed = true
                case .fired(.superseded):
                    report.superseded += 1
                    progressed = true
                case .unhandled:
                    report.unhandled += 1
                    skipped.insert(id)
                case .failed:
                    report.failed += 1
                    skipped.insert(id)
                case .cancelled:
                    throw CancellationError()
                }
            }
            if !progressed || due.count < page + skipped.count { return report }
        }
    }

    private enum FireResult: Sendable {
        case fired(DeadlineFiring)
        case unhandled
        case failed
        case cancelled
    }

    /// Fires one stream's due timers in order.
    private func fireInOrder(_ timers: [ScheduledTimer]) async -> [(TimerID, FireResult)] {
        var out: [(TimerID, FireResult)] = []
        for timer in timers {
            let workflow = timer.id.rawValue.prefix { $0 != "|" }
            guard let handler = handlers[String(workflow)] else {
                logger.warning("no handler for a due timer", metadata: ["timer": "\(timer.id)"])
                out.append((timer.id, .unhandled))
                continue
            }
            do {
                out.append((timer.id, .fired(try await handler.fire(timer))))
            } catch is CancellationError {
                out.append((timer.id, .cancelled))
                return out
            } catch {
                logger.error("a deadline failed to fire", metadata: ["timer": "\(timer.id)", "error": "\(error)"])
                out.append((timer.id, .failed))
            }
        }
        return out
    }

    /// Fires due timers every `interval` until the task is cancelled or the service group shuts
    /// down gracefully.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await self.tick(until: self.clock.now())
                } catch is CancellationError {
                    return
                } catch {
                    self.logger.error("deadline tick failed", metadata: ["error": "\(error)"])
                }
                do { try await Task.sleep(for: self.interval) } catch { return }
            }
        }
    }
}

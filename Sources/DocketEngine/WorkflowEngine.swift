public import DocketCore
public import Logging
import Metrics

/// The answer to a command: accepted (with the events it appended) or refused by the workflow's
/// rules (with the rejection, a value to show a person). Failures of the environment are thrown.
public enum CommandOutcome<W: Workflow>: Sendable {
    /// The command was accepted; see ``AcceptedCommand``.
    case accepted(AcceptedCommand<W>)
    /// The workflow refused the command; nothing was appended.
    case rejected(W.Rejection)

    /// The accepted command, or `nil` when rejected.
    public var accepted: AcceptedCommand<W>? {
        if case .accepted(let a) = self { return a }
        return nil
    }

    /// The rejection, or `nil` when accepted.
    public var rejection: W.Rejection? {
        if case .rejected(let r) = self { return r }
        return nil
    }
}

/// An accepted command: the workflow events it appended, where, and the stream's state after them.
public struct AcceptedCommand<W: Workflow>: Sendable {
    /// The workflow's events the command produced (empty when it changed nothing).
    public var events: [W.Event]
    /// The store's answer to the append, or `nil` when there was nothing to append.
    public var append: AppendResult?
    /// Whether this was a retry of a command already appended: `events` are the ones appended then.
    public var replayed: Bool
    /// The stream after the command.
    public var stream: StreamState<W.State>
}

/// Runs a ``Workflow`` over an event store: loads a stream's state (from a bounded cache, else by
/// replaying its events), decides, and appends the events with the expected version, retrying on a
/// conflict; idempotent by command id. Deadlines set by events are written as timers in the same
/// transaction, and fire through ``fire(_:)``.
///
/// Safe to share between tasks; many concurrent commands are committed together by the store's group
/// commit.
public final class WorkflowEngine<W: Workflow>: Sendable {
    /// Tuning.
    public struct Options: Sendable {
        /// Stream states kept in memory (default 100,000).
        public var cacheCapacity = 100_000
        /// How often a command is decided again after a version conflict before the conflict is
        /// thrown (default 16).
        public var maxConflictRetries = 16
        /// The defaults.
        public init() {}
    }

    /// The workflow.
    public let workflow: W
    let store: any EventStore & TimerStore
    let clock: any DocketClock
    let logger: Logger
    let options: Options
    let cache: StateCache<W.State>
    let locks = StreamLocks()
    let encodedCommands = EncodedCommands()
    let metrics: EngineMetrics

    /// Creates an engine.
    /// - Throws: `DocketError.Code.invalidArgument` for an invalid workflow name or definition version 0.
    public init(
        workflow: W, store: any EventStore & TimerStore, clock: any DocketClock = SystemClock(),
        options: Options = Options(), logger: Logger = Logger(label: "docket.engine")
    ) throws(DocketError) {
        try validateWorkflowName(workflow.name)
        guard workflow.definitionVersion >= 1 else {
            throw DocketError(.invalidArgument, "workflow \(workflow.name) has definition version 0; versions start at 1")
        }
        self.workflow = workflow
        self.store = store
        self.clock = clock
        self.options = options
        self.logger = logger
        self.cache = StateCache(capacity: options.cacheCapacity)
        self.metrics = EngineMetrics(workflow: workflow.name)
    }

    // MARK: Commands

    /// Handles a command for a stream.
    ///
    /// - Parameters:
    ///   - command: the command.
    ///   - stream: the stream it addresses.
    ///   - commandID: the command's identity: a retry with the same id appends nothing and returns
    ///     the first result (``AcceptedCommand/replayed``).
    ///   - actor: who gives it (recorded in the events' metadata).
    ///   - correlationID: the id of the conversation it belongs to, if any.
    ///   - causationID: the id of what caused it, if any.
    /// - Returns: ``CommandOutcome/accepted(_:)`` or ``CommandOutcome/rejected(_:)``.
    /// - Throws: `VersionConflict` after ``Options/maxConflictRetries`` conflicts; `DocketError`
    ///   for invalid input, a stream of another workflow, codec and storage failures.
    public func handle(
        _ command: W.Command, for stream: StreamID, commandID: String, actor: String,
        correlationID: String? = nil, causationID: String? = nil
    ) async throws -> CommandOutcome<W> {
        let started = ContinuousClock.now
        defer {
            let d = ContinuousClock.now - started
            metrics.duration.recordNanoseconds(d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000)
        }
        do {
            let outcome = try await decideAndAppend(
                command, for: stream, metadata: CommandMetadata(actor: actor, correlationID: correlationID, causationID: causationID),
                commandID: commandID, completing: nil)
            switch outcome {
            case .accepted(let a): (a.replayed ? metrics.replayed : metrics.accepted).increment()
            case .rejected: metrics.rejected.increment()
            }
            return outcome
        } catch {
            metrics.failed.increment()
            throw error
        }
    }

    func decideAndAppend(
        _ command: W.Command, for stream: StreamID, metadata: CommandMetadata, commandID: String, completing: TimerOperation?
    ) async throws -> CommandOutcome<W> {
        try await locks.withLock(stream) {
            try await decideAndAppendLocked(command, for: stream, metadata: metadata, commandID: commandID, completing: completing)
        }
    }

    private func decideAndAppendLocked(
        _ command: W.Command, for stream: StreamID, metadata: CommandMetadata, commandID: String, completing: TimerOperation?
    ) async throws -> CommandOutcome<W> {
        guard !commandID.isEmpty else { throw DocketError(.invalidArgument, "a command id must not be empty") }
        try RecordCodec.validate(text: commandID, "command id")
        try RecordCodec.validate(text: metadata.actor, "actor")
        var current = try await load(stream)
        // A fired deadline whose timer was moved or cancelled after it was read as due is stale
        // (checked again in the append's transaction, for other processes).
        if case .complete(let id, let due)? = completing, try await store.timer(id)?.due != due {
            throw DocketError(.timerSuperseded, "timer \(id) is no longer due at \(due)")
        }
        var retries = 0
        /// Another attempt after the stream moved on; gives up after `maxConflictRetries`.
        func retry(_ stale: StreamState<W.State>) async throws -> StreamState<W.State> {
            retries += 1
            metrics.conflicts.increment()
            guard retries <= options.maxConflictRetries else {
                cache.remove(stream)
                throw VersionConflict(
                    stream: stream, expected: stale.version == .none ? .noStream : .exact(stale.version),
                    actual: try await store.head(of: stream)?.version ?? .none)
            }
            let fresh = try await catchUp(stream, from: stale)
            cache.put(fresh, for: stream)
            return fresh
        }
        while true {
            // A deadline fires as of its due instant (valid time): it ran out then, whenever the
            // scheduler got to it. Transaction time stays the store's clock.
            let now: Timestamp = if case .complete(_, let due)? = completing { due } else { clock.now() }
            guard current.definition <= workflow.definitionVersion else {
                throw DocketError(
                    .invalidArgument,
                    "stream \(stream) runs definition \(current.definition) of workflow \(workflow.name); this engine knows definitions up to \(workflow.definitionVersion)")
            }
            let context = DecisionContext(
                stream: stream, version: current.version,
                definition: current.definition == 0 ? workflow.definitionVersion : current.definition,
                now: now, commandID: commandID, actor: metadata.actor)
            let events: [W.Event]
            do {
                events = try workflow.decide(command, state: current.state, context: context)
            } catch {
                // A refusal decided on a cached state is checked against the stream's head: another
                // process may have moved the stream on, and the newer state may allow the command.
                if current.version != (try await store.head(of: stream)?.version ?? .none) {
                    current = try await retry(current)
                    continue
                }
                // A retry of a command that was applied is answered with its first result, even
                // though the stream has moved on and would refuse it now.
                if current.version > .none, let original = try await firstResult(of: commandID, in: stream) {
                    return try await replayed(original, stream: stream, completing: completing)
                }
                if let completing { try await store.updateTimers([completing]) }
                return .rejected(error)
            }
            if events.isEmpty {
                // Likewise for a decision that changes nothing: nothing is appended, so no expected
                // version would catch a stale state.
                if current.version != (try await store.head(of: stream)?.version ?? .none) {
                    current = try await retry(current)
                    continue
                }
                if let completing { try await store.updateTimers([completing]) }
                return .accepted(AcceptedCommand(events: [], append: nil, replayed: false, stream: current))
            }
            var newEvents: [NewEvent] = []
            newEvents.reserveCapacity(events.count + 1)
            if current.version == .none {
                let started = try SystemEvent.started(workflow: workflow.name, definition: context.definition).encoded()
                newEvents.append(NewEvent(type: started.type, schemaVersion: started.schemaVersion, payload: started.payload, occurredAt: now))
            }
            var state = current.state
            var timers: [TimerOperation] = completing.map { [$0] } ?? []
            var version = StreamVersion(current.version.value + UInt64(newEvents.count))
            for event in events {
                version = version.next
                let encoded = try workflow.codec.encode(event)
                guard !SystemEvent.isSystem(encoded.type) else {
                    throw DocketError(.invalidArgument, "workflow \(workflow.name) produced event type \(encoded.type); names starting with \"docket.\" belong to the engine")
                }
                newEvents.append(NewEvent(type: encoded.type, schemaVersion: encoded.schemaVersion, payload: encoded.payload, occurredAt: now))
                let before = state
                state = workflow.evolve(state, event)
                for effect in workflow.deadlines(after: event, from: before, to: state, context: context) {
                    if case .schedule(let name, let due, _) = effect, due < now {
                        throw DocketError(
                            .invalidArgument,
                            "workflow \(workflow.name) scheduled deadline \(name) of stream \(stream) at \(due), before the decision's instant \(now); a deadline must not be in the past")
                    }
                    timers.append(try timerOperation(effect, stream: stream, scheduledAt: version))
                }
            }
            let request = AppendRequest(
                stream: stream, expected: current.version == .none ? .noStream : .exact(current.version),
                events: newEvents, metadata: metadata, idempotencyKey: commandID, timers: timers)
            do {
                let result = try await store.append(request)
                if result.isReplay { return try await replayed(result, stream: stream, completing: completing) }
                let after = StreamState(
                    state: state, version: result.streams[0].lastVersion, definition: context.definition, lastPosition: result.lastPosition)
                cache.put(after, for: stream)
                return .accepted(AcceptedCommand(events: events, append: result, replayed: false, stream: after))
            } catch is VersionConflict {
                current = try await retry(current)
            } catch let error as DocketError where error.code == .idempotencyKeyReused {
                // A retry whose decision came out differently (time moved, the state moved on): the
                // command was appended before; answer with that first result.
                guard let original = try await firstResult(of: commandID, in: stream) else { throw error }
                return try await replayed(original, stream: stream, completing: completing)
            }
        }
    }

    /// The answer to a retried command: the events it appended the first time.
    private func replayed(_ result: AppendResult, stream: StreamID, completing: TimerOperation?) async throws -> CommandOutcome<W> {
        cache.remove(stream)
        // A fired deadline's first run completed its timer with its events; this is a no-op then,
        // and removes the timer if it was somehow left.
        if let completing { try await store.updateTimers([completing]) }
        var events: [W.Event] = []
        for range in result.streams where range.stream == stream {
            let count = Int(range.lastVersion.value - range.firstVersion.value + 1)
            for e in try await store.readStream(stream, from: range.firstVersion, direction: .forward, limit: count)
            where !SystemEvent.isSystem(e.type) {
                events.append(try workflow.codec.decode(e))
            }
        }
        let now = try await load(stream)
        return .accepted(AcceptedCommand(events: events, append: result, replayed: true, stream: now))
    }

    /// The first result of a command id, from the store's idempotency index, when it appended to
    /// `stream` (and, with `type`, when its first event there has that type).
    private func firstResult(of commandID: String, in stream: StreamID, type: String? = nil) async throws -> AppendResult? {
        guard var result = try await store.appendResult(forIdempotencyKey: commandID),
            let range = result.streams.first(where: { $0.stream == stream })
        else { return nil }
        if let type {
            let first = try await store.readStream(stream, from: range.firstVersion, direction: .forward, limit: 1)
            guard first.first?.type == type else { return nil }
        }
        result.isReplay = true
        return result
    }

    // MARK: Migration

    /// Moves a running stream to definition version `to` (greater than its current one, at most the
    /// workflow's ``Workflow/definitionVersion``), recorded as a `docket.migrated` event; the state
    /// passes through ``Workflow/migrate(_:from:to:)``. Idempotent by `commandID`.
    public func migrate(_ stream: StreamID, to version: UInt32, commandID: String, actor: String) async throws -> StreamState<W.State> {
        try await locks.withLock(stream) { try await migrateLocked(stream, to: version, commandID: commandID, actor: actor) }
    }

    private func migrateLocked(_ stream: StreamID, to version: UInt32, commandID: String, actor: String) async throws -> StreamState<W.State> {
        guard !commandID.isEmpty else { throw DocketError(.invalidArgument, "a command id must not be empty") }
        try RecordCodec.validate(text: commandID, "command id")
        try RecordCodec.validate(text: actor, "actor")
        var current = try await load(stream)
        var retries = 0
        while true {
            guard current.version > .none else { throw DocketError(.invalidArgument, "stream \(stream) has not started; there is nothing to migrate") }
            guard version > current.definition, version <= workflow.definitionVersion else {
                // A retry of a migration that was applied: answer with the current state.
                if version == current.definition, try await firstResult(of: commandID, in: stream, type: SystemEvent.migratedType) != nil {
                    return current
                }
                throw DocketError(
                    .invalidArgument,
                    "stream \(stream) runs definition \(current.definition); it can move to a version from \(current.definition + 1) to \(workflow.definitionVersion), not \(version)")
            }
            let encoded = try SystemEvent.migrated(from: current.definition, to: version).encoded()
            let event = NewEvent(type: encoded.type, schemaVersion: encoded.schemaVersion, payload: encoded.payload, occurredAt: clock.now())
            do {
                let result = try await store.append(
                    to: stream, expected: .exact(current.version), events: [event], metadata: CommandMetadata(actor: actor), idempotencyKey: commandID)
                cache.remove(stream)
                if result.isReplay { return try await load(stream) }
                var after = current
                after.state = workflow.migrate(current.state, from: current.definition, to: version)
                after.definition = version
                after.version = result.streams[0].lastVersion
                after.lastPosition = result.lastPosition
                cache.put(after, for: stream)
                return after
            } catch let conflict as VersionConflict {
                retries += 1
                metrics.conflicts.increment()
                guard retries <= options.maxConflictRetries else {
                    cache.remove(stream)
                    throw conflict
                }
                current = try await catchUp(stream, from: current)
            } catch let error as DocketError where error.code == .idempotencyKeyReused {
                guard try await firstResult(of: commandID, in: stream, type: SystemEvent.migratedType) != nil else { throw error }
                cache.remove(stream)
                return try await load(stream)
            }
        }
    }

    // MARK: Loading

    /// A stream's current state: from the cache, or by replaying its events.
    public func state(of stream: StreamID) async throws -> StreamState<W.State> {
        try await load(stream)
    }

    /// Drops every cached state (the next command of each stream replays it).
    public func clearCache() {
        cache.removeAll()
    }

    /// The number of stream states in the cache.
    public var cachedStateCount: Int { cache.count }

    func load(_ stream: StreamID) async throws -> StreamState<W.State> {
        if let cached = cache.get(stream) { return cached }
        metrics.replays.increment()
        let loaded = try await catchUp(stream, from: emptyState)
        if loaded.version > .none { cache.put(loaded, for: stream) }
        return loaded
    }

    var emptyState: StreamState<W.State> {
        StreamState(state: workflow.initialState, version: .none, definition: 0, lastPosition: .beforeFirst)
    }

    /// Applies the stream's events after `state.version`.
    func catchUp(_ stream: StreamID, from state: StreamState<W.State>, through limit: (RecordedEvent) -> Bool = { _ in true }) async throws -> StreamState<W.State> {
        var s = state
        let page = 1024
        while true {
            let events = try await store.readStream(stream, from: s.version.next, direction: .forward, limit: page)
            for e in events {
                guard limit(e) else { return s }
                try apply(e, to: &s)
            }
            if events.count < page { return s }
        }
    }

    /// Folds one recorded event of the stream into its state.
    func apply(_ e: RecordedEvent, to s: inout StreamState<W.State>) throws {
        if SystemEvent.isSystem(e.type) {
            switch try SystemEvent.decode(e) {
            case .started(let name, let definition):
                guard name == workflow.name else {
                    throw DocketError(.invalidArgument, "stream \(e.stream) runs workflow \(name), not \(workflow.name)")
                }
                s.definition = definition
            case .migrated(let from, let to):
                s.state = workflow.migrate(s.state, from: from, to: to)
                s.definition = to
            }
        } else {
            guard s.definition != 0 else {
                throw DocketError(.corruptRecord, "stream \(e.stream) has event \(e.type) at version \(e.version) before its docket.started event")
            }
            s.state = workflow.evolve(s.state, try workflow.codec.decode(e))
        }
        s.version = e.version
        s.lastPosition = e.position
    }
}

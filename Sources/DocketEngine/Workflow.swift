public import DocketCore

/// A deadline effect of an event: schedule a timer that sends `fire` to the stream when due, or
/// cancel one (when the stage it guards ends).
public enum DeadlineEffect<Command: Sendable>: Sendable {
    /// Schedules (or moves) the deadline called `name`; when it is due the engine sends `fire` to
    /// the stream, once in effect.
    case schedule(name: String, due: Timestamp, fire: Command)
    /// Cancels the deadline called `name`, if it is scheduled.
    case cancel(name: String)
}

/// An event-sourced workflow the engine can run: a `Decider` with a name, a definition version,
/// an event codec, commands that can be stored (for deadlines), and the deadlines its events set.
///
/// Each stream records the definition version it started under and keeps it; `decide` sees it in
/// `DecisionContext.definition`. Moving a running stream to a newer definition is an explicit
/// migration (``WorkflowEngine/migrate(_:to:commandID:actor:)``), recorded as an event.
public protocol Workflow: Decider where Command: Codable {
    /// The workflow's name: 1 to 64 ASCII letters, digits, `.`, `_`, `-`.
    var name: String { get }
    /// The definition version new streams start under (1 or more).
    var definitionVersion: UInt32 { get }
    /// Encodes and decodes the events.
    var codec: EventCodec<Event> { get }
    /// The deadlines an event sets or cancels, given the states before and after it. Pure, like
    /// `evolve`.
    func deadlines(after event: Event, from before: State, to after: State, context: DecisionContext) -> [DeadlineEffect<Command>]
    /// The state of a stream moved from definition `from` to `to`. Pure. The default keeps the state.
    func migrate(_ state: State, from: UInt32, to: UInt32) -> State
}

extension Workflow {
    /// No deadlines, unless the workflow sets some.
    public func deadlines(after event: Event, from before: State, to after: State, context: DecisionContext) -> [DeadlineEffect<Command>] { [] }
    /// Keeps the state as it is across a definition change, unless the workflow says otherwise.
    public func migrate(_ state: State, from: UInt32, to: UInt32) -> State { state }
}

/// The events the engine itself writes into a workflow's streams, next to the workflow's own.
public enum SystemEvent: Hashable, Sendable, Codable {
    /// The stream's first event: which workflow and definition version it started under.
    case started(workflow: String, definition: UInt32)
    /// The stream moved to another definition version.
    case migrated(from: UInt32, to: UInt32)

    /// Type name of ``started(workflow:definition:)``.
    public static let startedType = "docket.started"
    /// Type name of ``migrated(from:to:)``.
    public static let migratedType = "docket.migrated"

    /// Whether an event type belongs to the engine.
    public static func isSystem(_ type: String) -> Bool { type.hasPrefix("docket.") }

    private struct Started: Codable { var workflow: String; var definition: UInt32 }
    private struct Migrated: Codable { var from: UInt32; var to: UInt32 }

    /// The stored form.
    public func encoded() throws(DocketError) -> EncodedEvent {
        switch self {
        case .started(let w, let d): try .json(Self.startedType, Started(workflow: w, definition: d))
        case .migrated(let f, let t): try .json(Self.migratedType, Migrated(from: f, to: t))
        }
    }

    /// Decodes a stored system event.
    public static func decode(_ event: RecordedEvent) throws(DocketError) -> SystemEvent {
        switch (event.type, event.schemaVersion) {
        case (startedType, 1):
            let s = try Payload.decode(Started.self, from: event.payload, what: "event \(startedType)")
            return .started(workflow: s.workflow, definition: s.definition)
        case (migratedType, 1):
            let m = try Payload.decode(Migrated.self, from: event.payload, what: "event \(migratedType)")
            return .migrated(from: m.from, to: m.to)
        default:
            throw DocketError(.codecFailure, "unknown engine event \(event.type) v\(event.schemaVersion) at position \(event.position)")
        }
    }
}

/// A stream's state as the engine knows it: the workflow's state, the stream's version, the
/// definition it runs under and the position of its last event.
public struct StreamState<State: Sendable>: Sendable {
    /// The workflow's state.
    public var state: State
    /// The stream's version (`StreamVersion.none` when it has no events).
    public var version: StreamVersion
    /// The definition version the stream runs under (0 when it has not started).
    public var definition: UInt32
    /// The log position of the stream's last event.
    public var lastPosition: LogPosition

    /// Creates a stream state.
    public init(state: State, version: StreamVersion, definition: UInt32, lastPosition: LogPosition) {
        self.state = state
        self.version = version
        self.definition = definition
        self.lastPosition = lastPosition
    }
}

func validateWorkflowName(_ name: String) throws(DocketError) {
    guard isSimpleName(name, maxLength: 64) else {
        throw DocketError(.invalidArgument, "workflow name \(name.debugDescription) must be 1 to 64 ASCII letters, digits, '.', '_' or '-'")
    }
}

/// The actors the engine records for the commands it sends itself.
public enum EngineActor {
    /// A fired deadline's command.
    public static let deadline = "docket.deadline"
    /// A reaction's command.
    public static let reaction = "docket.reaction"
}

/// What a decision may know besides the command and the state: where and when it is made.
///
/// Deciders are pure: time comes from here (the engine's injected clock), never from the wall clock,
/// so that a decision can be replayed and tested.
public struct DecisionContext: Hashable, Sendable {
    /// The stream the command is for.
    public var stream: StreamID
    /// The stream's version the decision is based on (``StreamVersion/none`` for a new stream).
    public var version: StreamVersion
    /// The version of the workflow definition the stream runs under: the one it started with, or
    /// the one it was last migrated to.
    public var definition: UInt32
    /// The instant of the decision.
    public var now: Timestamp
    /// The command's id.
    public var commandID: String
    /// Who sent the command.
    public var actor: String

    /// Creates a context.
    public init(stream: StreamID, version: StreamVersion, definition: UInt32, now: Timestamp, commandID: String, actor: String) {
        self.stream = stream
        self.version = version
        self.definition = definition
        self.now = now
        self.commandID = commandID
        self.actor = actor
    }
}

/// An event-sourced decision function: a state folded from events (`evolve`), and the events a
/// command produces from that state (`decide`), or a typed refusal.
///
/// Both functions are pure and total: no I/O, no clock, an exhaustive `switch` over the event enum in
/// `evolve`, so that the compiler finds an event nobody handles and replaying a history always gives
/// the same state.
public protocol Decider: Sendable {
    /// The state a stream's events fold into.
    associatedtype State: Sendable
    /// The commands this decider accepts.
    associatedtype Command: Sendable
    /// The events it produces (an enum).
    associatedtype Event: Sendable
    /// Why a command is refused: a value to show a person, not an exception of the environment.
    associatedtype Rejection: Error & Sendable

    /// The state of a stream with no events.
    var initialState: State { get }

    /// The events `command` produces in `state`, or the rejection that refuses it. An empty array
    /// means the command is accepted and changes nothing.
    func decide(_ command: Command, state: State, context: DecisionContext) throws(Rejection) -> [Event]

    /// The state after `event`. Total: every event of the enum is handled.
    func evolve(_ state: State, _ event: Event) -> State
}

extension Decider {
    /// Folds events into a state, from `state` (the initial state by default).
    public func replay<S: Sequence>(_ events: S, from state: State? = nil) -> State where S.Element == Event {
        events.reduce(state ?? initialState, evolve)
    }
}

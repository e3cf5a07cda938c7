public import DocketCore

/// A given/when/then check of a decider, with no store: given past events, when a command, then the
/// events it produces or the rejection. Throws a ``ScenarioFailure`` describing the difference, so it
/// works under any test framework.
///
/// ```swift
/// try Scenario(CounterWorkflow())
///     .given([.incremented(by: 2)])
///     .when(.increment(by: 1))
///     .then([.incremented(by: 1)])
/// ```
public struct Scenario<D: Decider>: Sendable {
    let decider: D
    var history: [D.Event] = []
    var context: DecisionContext

    /// Starts a scenario; `context` defaults to a fixed stream, instant and command id.
    public init(_ decider: D, context: DecisionContext? = nil) {
        self.decider = decider
        self.context = context ?? DecisionContext(
            stream: StreamID(verbatim: "scenario-1"), version: .none, definition: 1,
            now: Timestamp(millisecondsSinceEpoch: 1_767_225_600_000), commandID: "scenario-command", actor: "scenario")
    }

    /// The past events.
    public func given(_ events: [D.Event]) -> Self {
        var copy = self
        copy.history += events
        copy.context.version = StreamVersion(UInt64(copy.history.count))
        return copy
    }

    /// The instant of the decision.
    public func at(_ instant: Timestamp) -> Self {
        var copy = self
        copy.context.now = instant
        return copy
    }

    /// The definition version the stream runs under.
    public func definition(_ version: UInt32) -> Self {
        var copy = self
        copy.context.definition = version
        return copy
    }

    /// The command; returns what the decider answered.
    public func when(_ command: D.Command) -> ScenarioResult<D> {
        let state = decider.replay(history)
        do {
            return ScenarioResult(outcome: .success(try decider.decide(command, state: state, context: context)), state: state, decider: decider)
        } catch {
            return ScenarioResult(outcome: .failure(error), state: state, decider: decider)
        }
    }
}

/// What a scenario's command produced.
public struct ScenarioResult<D: Decider>: Sendable {
    /// The events, or the rejection.
    public let outcome: Result<[D.Event], D.Rejection>
    /// The state the command was decided in.
    public let state: D.State
    let decider: D

    /// The state after the produced events (the given state when rejected).
    public var stateAfter: D.State {
        if case .success(let events) = outcome { return decider.replay(events, from: state) }
        return state
    }
}

extension ScenarioResult where D.Event: Equatable {
    /// Checks that the command produced exactly `expected`.
    @discardableResult
    public func then(_ expected: [D.Event]) throws(ScenarioFailure) -> Self {
        switch outcome {
        case .success(let events) where events == expected: return self
        case .success(let events): throw ScenarioFailure("expected events \(expected), got \(events)")
        case .failure(let r): throw ScenarioFailure("expected events \(expected), got rejection \(r)")
        }
    }
}

extension ScenarioResult where D.Rejection: Equatable {
    /// Checks that the command was refused with `expected`.
    @discardableResult
    public func thenRejected(_ expected: D.Rejection) throws(ScenarioFailure) -> Self {
        switch outcome {
        case .failure(let r) where r == expected: return self
        case .failure(let r): throw ScenarioFailure("expected rejection \(expected), got rejection \(r)")
        case .success(let events): throw ScenarioFailure("expected rejection \(expected), got events \(events)")
        }
    }
}

/// A scenario's expectation did not hold.
public struct ScenarioFailure: Error, CustomStringConvertible, Sendable {
    /// What differed.
    public let description: String
    init(_ description: String) { self.description = description }
}

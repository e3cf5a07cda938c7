import DocketCore
import DocketEngine
import DocketTesting
import Foundation

/// A counter: the smallest workflow with a rejection, an upcaster and a definition change.
struct Counter: Workflow {
    enum Command: Codable, Sendable, Equatable {
        case increment(by: Int)
        case close
    }
    enum Event: Sendable, Equatable {
        case incremented(by: Int)
        case closed
    }
    enum Rejection: Error, Sendable, Equatable {
        case closed
        case tooLarge(limit: Int)
    }
    struct State: Sendable, Equatable {
        var total = 0
        var closed = false
    }
    struct Incremented: Codable { var by: Int }
    struct IncrementedV1: Codable { var amount: Int }
    struct Empty: Codable {}

    var name = "counter"
    var definitionVersion: UInt32 = 1
    var initialState: State { State() }

    /// Definition 1 allows increments up to 100; definition 2 up to 10.
    func decide(_ command: Command, state: State, context: DecisionContext) throws(Rejection) -> [Event] {
        guard !state.closed else { throw .closed }
        switch command {
        case .increment(let n):
            let limit = context.definition >= 2 ? 10 : 100
            guard n <= limit else { throw .tooLarge(limit: limit) }
            return n == 0 ? [] : [.incremented(by: n)]
        case .close:
            return [.closed]
        }
    }

    func evolve(_ state: State, _ event: Event) -> State {
        var s = state
        switch event {
        case .incremented(let n): s.total += n
        case .closed: s.closed = true
        }
        return s
    }

    var codec: EventCodec<Event> { Counter.sharedCodec }

    static let sharedCodec = EventCodec<Event> { event in
        switch event {
        case .incremented(let n): try .json("counter.incremented", version: 2, Incremented(by: n))
        case .closed: try .json("counter.closed", Empty())
        }
    }
    .decoding("counter.incremented", version: 2, as: Incremented.self) { .incremented(by: $0.by) }
    .decoding("counter.closed", version: 1, as: Empty.self) { _ in .closed }
    .upcasting("counter.incremented", from: 1, as: IncrementedV1.self, to: Incremented.self) { Incremented(by: $0.amount) }
}

/// A request that must be answered within a deadline: the deadline is set by `requested`, cancelled
/// by `answered`, and fires `expire`, which the workflow refuses once the request is answered.
struct Approval: Workflow {
    enum Command: Codable, Sendable, Equatable {
        case request(days: Int)
        case answer
        case expire
    }
    enum Event: Sendable, Equatable {
        case requested(due: Timestamp)
        case answered
        case expired
    }
    enum Rejection: Error, Sendable, Equatable {
        case notPending
        case alreadyRequested
    }
    enum State: Sendable, Equatable {
        case idle, pending(due: Timestamp), answered, expired
    }
    struct Requested: Codable { var due: Int64 }
    struct Empty: Codable {}

    var name = "approval"
    var definitionVersion: UInt32 = 1
    var initialState: State { .idle }

    func decide(_ command: Command, state: State, context: DecisionContext) throws(Rejection) -> [Event] {
        switch (command, state) {
        case (.request(let days), .idle):
            return [.requested(due: Timestamp(millisecondsSinceEpoch: context.now.millisecondsSinceEpoch + Int64(days) * 86_400_000))]
        case (.request, _): throw .alreadyRequested
        case (.answer, .pending): return [.answered]
        case (.expire, .pending): return [.expired]
        case (.answer, _), (.expire, _): throw .notPending
        }
    }

    func evolve(_ state: State, _ event: Event) -> State {
        switch event {
        case .requested(let due): .pending(due: due)
        case .answered: .answered
        case .expired: .expired
        }
    }

    func deadlines(after event: Event, from before: State, to state: State, context: DecisionContext) -> [DeadlineEffect<Command>] {
        switch event {
        case .requested(let due): [.schedule(name: "answer", due: due, fire: .expire)]
        case .answered: [.cancel(name: "answer")]
        case .expired: []
        }
    }

    var codec: EventCodec<Event> { Approval.sharedCodec }

    static let sharedCodec = EventCodec<Event> { event in
        switch event {
        case .requested(let due): try .json("approval.requested", Requested(due: due.millisecondsSinceEpoch))
        case .answered: try .json("approval.answered", Empty())
        case .expired: try .json("approval.expired", Empty())
        }
    }
    .decoding("approval.requested", as: Requested.self) { .requested(due: Timestamp(millisecondsSinceEpoch: $0.due)) }
    .decoding("approval.answered", as: Empty.self) { _ in .answered }
    .decoding("approval.expired", as: Empty.self) { _ in .expired }
}

extension StreamID {
    static func test(_ s: String) -> StreamID { StreamID(verbatim: s) }
}

extension CommandOutcome {
    var isAccepted: Bool { accepted != nil }
}

let day: Int64 = 86_400_000

func instant(_ ms: Int64) -> Timestamp { Timestamp(millisecondsSinceEpoch: ms) }

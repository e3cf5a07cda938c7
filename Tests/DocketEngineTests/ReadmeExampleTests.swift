import DocketCore
import DocketEngine
import DocketTesting
import Testing

// The workflow of README.md's example, kept identical so that the example compiles and works.
private enum Readme {
    struct Counter: Workflow {
        enum Command: Codable, Sendable { case add(Int) }
        enum Event: Sendable { case added(Int) }
        enum Rejection: Error, Sendable { case negative }
        struct Added: Codable { var amount: Int }

        var name: String { "counter" }
        var definitionVersion: UInt32 { 1 }
        var initialState: Int { 0 }
        func decide(_ command: Command, state: Int, context: DecisionContext) throws(Rejection) -> [Event] {
            switch command {
            case .add(let n): if n < 0 { throw .negative } else { return [.added(n)] }
            }
        }
        func evolve(_ state: Int, _ event: Event) -> Int {
            switch event { case .added(let n): state + n }
        }
        var codec: EventCodec<Event> {
            EventCodec { event in
                switch event { case .added(let n): try .json("counter.added", Added(amount: n)) }
            }
            .decoding("counter.added", as: Added.self) { .added($0.amount) }
        }
    }
}

@Suite("README example")
struct ReadmeExampleTests {
    @Test("the README's workflow runs")
    func example() async throws {
        let engine = try WorkflowEngine(workflow: Readme.Counter(), store: InMemoryEventStore())
        switch try await engine.handle(.add(2), for: "counter-1", commandID: "cmd-1", actor: "clerk:7") {
        case .accepted(let a): #expect(a.stream.state == 2)
        case .rejected(let why): Issue.record("refused: \(why)")
        }
        #expect(try await engine.handle(.add(-1), for: "counter-1", commandID: "cmd-2", actor: "clerk:7").rejection != nil)
    }
}

import DocketCore
@testable import DocketEngine
import DocketLMDB
import DocketTesting
import Foundation
import Testing

@Suite("Deciders: given, when, then")
struct DeciderScenarioTests {
    @Test("accepted commands produce events; refused ones a rejection")
    func counter() throws {
        let counter = Counter()
        try Scenario(counter).when(.increment(by: 2)).then([.incremented(by: 2)])
        try Scenario(counter).given([.incremented(by: 2), .closed]).when(.increment(by: 1)).thenRejected(.closed)
        try Scenario(counter).when(.increment(by: 101)).thenRejected(.tooLarge(limit: 100))
        try Scenario(counter).definition(2).when(.increment(by: 11)).thenRejected(.tooLarge(limit: 10))
        try Scenario(counter).when(.increment(by: 0)).then([])
        #expect(Scenario(counter).given([.incremented(by: 2)]).when(.increment(by: 3)).stateAfter == Counter.State(total: 5, closed: false))
        // A wrong expectation is reported, not passed.
        #expect(throws: ScenarioFailure.self) { try Scenario(counter).when(.increment(by: 2)).then([.incremented(by: 3)]) }
        #expect(throws: ScenarioFailure.self) { try Scenario(counter).when(.increment(by: 2)).thenRejected(.closed) }
    }

    @Test("deadlines are computed from the decision's instant")
    func approval() throws {
        let at = instant(1_000 * day)
        try Scenario(Approval()).at(at).when(.request(days: 5)).then([.requested(due: instant(1_005 * day))])
        try Scenario(Approval()).given([.requested(due: at), .answered]).when(.expire).thenRejected(.notPending)
    }
}

@Suite("Event codec")
struct CodecTests {
    @Test("encodes canonically, decodes, upcasts old schema versions")
    func roundTrip() throws {
        let codec = Counter.sharedCodec
        let e = try codec.encode(.incremented(by: 7))
        #expect(e.type == "counter.incremented" && e.schemaVersion == 2)
        #expect(String(decoding: e.payload, as: UTF8.self) == #"{"by":7}"#)
        #expect(try codec.decode(type: e.type, schemaVersion: 2, payload: e.payload) == .incremented(by: 7))
        // A version-1 payload stored years ago reads as today's event.
        #expect(try codec.decode(type: "counter.incremented", schemaVersion: 1, payload: Array(#"{"amount":4}"#.utf8)) == .incremented(by: 4))
    }

    @Test("unknown types, versions and malformed payloads are typed errors")
    func failures() {
        let codec = Counter.sharedCodec
        for (type, version, payload) in [("counter.unknown", UInt16(1), "{}"), ("counter.incremented", 3, #"{"by":1}"#), ("counter.incremented", 2, "{")] {
            #expect(performing: { try codec.decode(type: type, schemaVersion: version, payload: Array(payload.utf8)) }, throws: { ($0 as? DocketError)?.code == .codecFailure })
        }
    }
}

@Suite("Workflow engine")
struct EngineTests {
    func engine<W: Workflow>(_ w: W, _ store: InMemoryEventStore, clock: ManualClock = ManualClock()) throws -> WorkflowEngine<W> {
        try WorkflowEngine(workflow: w, store: store, clock: clock)
    }

    @Test("a command is decided, appended with the stream's start event, and cached")
    func accepted() async throws {
        let store = InMemoryEventStore()
        let e = try engine(Counter(), store)
        let s = StreamID.test("c-1")
        let out = try await e.handle(.increment(by: 3), for: s, commandID: "cmd-1", actor: "alice")
        #expect(out.accepted?.events == [.incremented(by: 3)])
        #expect(out.accepted?.stream.state.total == 3)
        let log = try await store.readStream(s)
        #expect(log.map(\.type) == ["docket.started", "counter.incremented"])
        #expect(log.allSatisfy { $0.metadata.actor == "alice" && $0.commandID == "cmd-1" })
        #expect(e.cachedStateCount == 1)
        _ = try await e.handle(.increment(by: 4), for: s, commandID: "cmd-2", actor: "alice")
        e.clearCache()
        #expect(try await e.state(of: s).state.total == 7, "replayed from the log")
        #expect(try await e.state(of: s).version == StreamVersion(3))
    }

    @Test("a refused command appends nothing and returns the rejection")
    func rejected() async throws {
        let store = InMemoryEventStore()
        let e = try engine(Counter(), store)
        let s = StreamID.test("c-1")
        _ = try await e.handle(.close, for: s, commandID: "a", actor: "bob")
        let before = try await store.lastPosition()
        let out = try await e.handle(.increment(by: 1), for: s, commandID: "b", actor: "bob")
        #expect(out.rejection == .closed)
        #expect(try await store.lastPosition() == before)
    }

    @Test("a retried command id appends nothing and answers with the first result")
    func idempotent() async throws {
        let clock = ManualClock()
        let store = InMemoryEventStore(clock: clock)
        let e = try engine(Counter(), store, clock: clock)
        let s = StreamID.test("c-1")
        let first = try await e.handle(.increment(by: 2), for: s, commandID: "same", actor: "a")
        clock.advance(milliseconds: 5_000)  // the retry decides at another instant: other bytes
        let again = try await e.handle(.increment(by: 2), for: s, commandID: "same", actor: "a")
        #expect(again.accepted?.replayed == true)
        #expect(again.accepted?.events == [.incremented(by: 2)])
        #expect(again.accepted?.append?.firstPosition == first.accepted?.append?.firstPosition)
        #expect(try await e.state(of: s).state.total == 2)
        #expect(try await store.lastPosition() == LogPosition(2))
    }

    @Test("a retried command the stream would now refuse is answered with its first result")
    func retryAfterStateMoved() async throws {
        let store = InMemoryEventStore()
        let e = try engine(Counter(), store)
        let s = StreamID.test("c-1")
        _ = try await e.handle(.close, for: s, commandID: "close", actor: "a")
        let again = try await e.handle(.close, for: s, commandID: "close", actor: "a")
        #expect(again.accepted?.replayed == true && again.accepted?.events == [.closed])
        #expect(try await e.handle(.close, for: s, commandID: "other", actor: "a").rejection == .closed)
    }

    @Test("a command retried after many newer events of its stream still answers with its first result")
    func retryFarBack() async throws {
        let clock = ManualClock()
        let store = InMemoryEventStore(clock: clock)
        let e = try engine(Counter(), store, clock: clock)
        let s = StreamID.test("busy")
        _ = try await e.handle(.increment(by: 7), for: s, commandID: "first", actor: "a")
        for i in 0..<1_500 { _ = try await e.handle(.increment(by: 1), for: s, commandID: "n\(i)", actor: "a") }
        clock.advance(milliseconds: 1_000)
        let again = try await e.handle(.increment(by: 7), for: s, commandID: "first", actor: "a")
        #expect(again.accepted?.replayed == true && again.accepted?.events == [.incremented(by: 7)])
        #expect(try await e.state(of: s).state.total == 1_507)
    }

    @Test("a version conflict is retried against the new state")
    func conflicts() async throws {
        let store = InMemoryEventStore()
        let a = try engine(Counter(), store)
        let b = try engine(Counter(), store)  // another process: its own cache
        let s = StreamID.test("c-1")
        _ = try await a.handle(.increment(by: 1), for: s, commandID: "1", actor: "x")
        _ = try await b.handle(.increment(by: 1), for: s, commandID: "2", actor: "x")  // b now caches v3
        _ = try await a.handle(.increment(by: 1), for: s, commandID: "3", actor: "x")  // a's cache is stale: conflict, retry
        _ = try await b.handle(.close, for: s, commandID: "4", actor: "x")  // b stale too
        let out = try await a.handle(.increment(by: 1), for: s, commandID: "5", actor: "x")  // decided again on the closed state
        #expect(out.rejection == .closed)
        #expect(try await a.state(of: s).state == Counter.State(total: 3, closed: true))
    }

    @Test("many concurrent callers on one stream: every accepted command counted once")
    func concurrentSameStream() async throws {
        let store = InMemoryEventStore()
        let e = try engine(Counter(), store)
        let s = StreamID.test("hot")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<40 {
                group.addTask { _ = try await e.handle(.increment(by: 1), for: s, commandID: "c\(i)", actor: "x") }
            }
            try await group.waitForAll()
        }
        e.clearCache()
        #expect(try await e.state(of: s).state.total == 40)
    }

    @Test("a stream of another workflow is refused with a typed error")
    func otherWorkflow() async throws {
        let store = InMemoryEventStore()
        let counter = try engine(Counter(), store)
        let approval = try engine(Approval(), store)
        _ = try await counter.handle(.increment(by: 1), for: .test("x"), commandID: "1", actor: "a")
        await #expect(performing: { try await approval.handle(.answer, for: .test("x"), commandID: "2", actor: "a") },
                      throws: { ($0 as? DocketError)?.code == .invalidArgument })
    }

    @Test("streams keep their definition; migration is an explicit, replayable event")
    func definitions() async throws {
        let store = InMemoryEventStore()
        let v1 = try engine(Counter(definitionVersion: 1), store)
        let s = StreamID.test("old")
        _ = try await v1.handle(.increment(by: 50), for: s, commandID: "1", actor: "a")
        // The rules change: definition 2 caps increments at 10, for new streams.
        let v2 = try engine(Counter(definitionVersion: 2), store)
        #expect(try await v2.handle(.increment(by: 50), for: s, commandID: "2", actor: "a").isAccepted, "the old stream keeps definition 1")
        #expect(try await v2.handle(.increment(by: 50), for: .test("new"), commandID: "3", actor: "a").rejection == .tooLarge(limit: 10))
        let migrated = try await v2.migrate(s, to: 2, commandID: "m", actor: "admin")
        #expect(migrated.definition == 2)
        #expect(try await v2.handle(.increment(by: 50), for: s, commandID: "4", actor: "a").rejection == .tooLarge(limit: 10))
        v2.clearCache()
        #expect(try await v2.state(of: s).definition == 2, "replay sees the migration")
        let history = try await v2.history(of: s)
        #expect(history.compactMap(\.system) == [.started(workflow: "counter", definition: 1), .migrated(from: 1, to: 2)])
        await #expect(performing: { try await v2.migrate(s, to: 2, commandID: "m2", actor: "admin") },
                      throws: { ($0 as? DocketError)?.code == .invalidArgument })
        // A retry of the applied migration is answered, not refused.
        #expect(try await v2.migrate(s, to: 2, commandID: "m", actor: "admin").definition == 2)
        // A stream on a definition newer than the engine knows is refused, not decided by old rules.
        await #expect(performing: { try await v1.handle(.increment(by: 1), for: s, commandID: "5", actor: "a") },
                      throws: { ($0 as? DocketError)?.code == .invalidArgument })
    }

    @Test("audit: state as of a position and an instant, history with who and when, verification")
    func audit() async throws {
        let clock = ManualClock(instant(1_000 * day))
        let store = InMemoryEventStore(clock: clock)
        let e = try engine(Counter(), store, clock: clock)
        let s = StreamID.test("c")
        for i in 1...5 {
            clock.advance(milliseconds: day)
            _ = try await e.handle(.increment(by: i), for: s, commandID: "c\(i)", actor: "clerk-\(i)")
        }
        #expect(try await e.state(of: s, asOf: LogPosition(3)).state.total == 3)  // started, +1, +2
        #expect(try await e.state(of: s, asOf: instant(1_003 * day)).state.total == 6)
        #expect(try await e.state(of: s, asOf: instant(999 * day)).version == .none)
        let history = try await e.history(of: s)
        #expect(history.count == 6)
        #expect(history.last?.event == .incremented(by: 5))
        #expect(history.last?.record.metadata.actor == "clerk-5")
        #expect(history.last?.record.commandID == "c5")
        #expect(try await e.verifyLog().isIntact)
        store.tamper(at: LogPosition(3)) { $0[$0.count - 40] ^= 1 }
        #expect(try await e.verifyLog().isIntact == false)
    }
}

/// A door: `enter` is refused until it is opened.
struct Door: Workflow {
    enum Command: Codable, Sendable { case install, open, enter }
    enum Event: Sendable, Equatable { case installed, opened, entered }
    enum Rejection: Error, Sendable, Equatable { case closed }
    var name = "door"
    var definitionVersion: UInt32 = 1
    var initialState: Bool { false }
    func decide(_ command: Command, state: Bool, context: DecisionContext) throws(Rejection) -> [Event] {
        switch command {
        case .install: [.installed]
        case .open: [.opened]
        case .enter: if state { [.entered] } else { throw .closed }
        }
    }
    func evolve(_ state: Bool, _ event: Event) -> Bool { event == .opened ? true : state }
    struct Empty: Codable {}
    var codec: EventCodec<Event> {
        EventCodec<Event> { e in try .json("door.\(e)", Empty()) }
            .decoding("door.installed", as: Empty.self) { _ in .installed }
            .decoding("door.opened", as: Empty.self) { _ in .opened }
            .decoding("door.entered", as: Empty.self) { _ in .entered }
    }
}

@Suite("Workflow engine across processes")
struct StaleCacheTests {
    @Test("a refusal is never decided on a stale cached state")
    func staleRefusal() async throws {
        let store = InMemoryEventStore()
        let a = try WorkflowEngine(workflow: Door(), store: store)
        let b = try WorkflowEngine(workflow: Door(), store: store)  // another process
        let s = StreamID.test("door")
        _ = try await a.handle(.install, for: s, commandID: "1", actor: "x")  // a caches "closed"
        _ = try await b.handle(.open, for: s, commandID: "2", actor: "x")
        #expect(try await a.handle(.enter, for: s, commandID: "3", actor: "x").isAccepted)
        #expect(try await Door().replay(a.history(of: s).compactMap(\.event)) == true)
    }
}

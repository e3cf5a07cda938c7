import DocketCore
@testable import DocketEngine
import DocketLMDB
import DocketTesting
import Foundation
import PropertyBased
import Synchronization
import Testing

@Suite("Deadlines")
struct DeadlineTests {
    @Test("an event schedules a deadline with its append; the stage's end cancels it")
    func scheduleAndCancel() async throws {
        let clock = ManualClock(instant(1_000 * day))
        let store = InMemoryEventStore(clock: clock)
        let engine = try WorkflowEngine(workflow: Approval(), store: store, clock: clock)
        let s = StreamID.test("a-1")
        _ = try await engine.handle(.request(days: 5), for: s, commandID: "1", actor: "clerk")
        let id = try engine.timerID(stream: s, deadline: "answer")
        #expect(id.rawValue == "approval|a-1|answer")
        #expect(try await store.timer(id)?.due == instant(1_005 * day))
        _ = try await engine.handle(.answer, for: s, commandID: "2", actor: "clerk")
        #expect(try await store.timerCount() == 0)
    }

    @Test("a due deadline fires its command once; ticks before it fire nothing")
    func fires() async throws {
        let clock = ManualClock(instant(1_000 * day))
        let store = InMemoryEventStore(clock: clock)
        let engine = try WorkflowEngine(workflow: Approval(), store: store, clock: clock)
        let scheduler = try DeadlineScheduler(store: store, handlers: [engine], clock: clock)
        let s = StreamID.test("a-1")
        _ = try await engine.handle(.request(days: 5), for: s, commandID: "1", actor: "clerk")
        #expect(try await scheduler.tick(until: instant(1_005 * day - 1)).fired == 0)
        clock.set(instant(1_005 * day))
        let report = try await scheduler.tick(until: clock.now())
        #expect(report.accepted == 1)
        #expect(try await engine.state(of: s).state == .expired)
        let last = try await store.readStream(s).last
        #expect(last?.type == "approval.expired" && last?.metadata.actor == "docket.deadline")
        #expect(last?.metadata.causationID == "approval|a-1|answer")
        #expect(try await store.timerCount() == 0)
        #expect(try await scheduler.tick(until: instant(2_000 * day)).fired == 0)
    }

    @Test("a tick fires many streams' deadlines concurrently, each stream's in due order", arguments: [1, 32])
    func concurrentTick(concurrency: Int) async throws {
        let clock = ManualClock(instant(1_000 * day))
        let dir = TemporaryDirectory("docket-tick")
        var options = LMDBEventStore.Options()
        options.clock = clock
        options.durability = .noFsyncMayLoseRecentCommitsOnPowerLoss
        let store = try LMDBEventStore(path: dir.path, options: options)
        let engine = try WorkflowEngine(workflow: TwoSteps(), store: store, clock: clock)
        let streams = (0..<300).map { StreamID.test("s-\($0)") }
        for s in streams { _ = try await engine.handle(.arm, for: s, commandID: "arm-\(s)", actor: "clerk") }
        clock.set(instant(1_003 * day))
        let report = try await DeadlineScheduler(store: store, handlers: [engine], clock: clock, concurrency: concurrency).tick(until: clock.now())
        #expect(report.accepted == 600 && report.failed == 0 && report.superseded == 0)
        for s in streams { #expect(try await engine.state(of: s).state == ["first", "second"], "\(s)") }
        #expect(try await store.timerCount() == 0)
        #expect(try await store.verify().isIntact)
        #expect(throws: DocketError.self) { try DeadlineScheduler(store: store, handlers: [engine], concurrency: 0) }
        await store.close()
    }

    @Test("a deadline whose command is refused is removed all the same")
    func refused() async throws {
        let clock = ManualClock(instant(1_000 * day))
        let store = InMemoryEventStore(clock: clock)
        let engine = try WorkflowEngine(workflow: Approval(), store: store, clock: clock)
        let s = StreamID.test("a-1")
        _ = try await engine.handle(.request(days: 1), for: s, commandID: "1", actor: "clerk")
        _ = try await engine.handle(.answer, for: s, commandID: "2", actor: "clerk")
        // A stale timer (say, written by an older definition that did not cancel it).
        try await store.updateTimers([try engine.timerOperation(.schedule(name: "stale", due: instant(1_001 * day), fire: .expire), stream: s, scheduledAt: StreamVersion(2))])
        let report = try await DeadlineScheduler(store: store, handlers: [engine], clock: clock).tick(until: instant(1_002 * day))
        #expect(report.rejected == 1 && report.accepted == 0)
        #expect(try await store.timerCount() == 0)
        #expect(try await engine.state(of: s).state == .answered)
    }

    @Test("a deadline in the past is a typed error, and nothing is appended")
    func pastDeadline() async throws {
        let store = InMemoryEventStore()
        let engine = try WorkflowEngine(workflow: Approval(), store: store)
        await #expect(performing: { try await engine.handle(.request(days: -1), for: .test("p"), commandID: "1", actor: "clerk") },
                      throws: { ($0 as? DocketError)?.code == .invalidArgument && "\($0)".contains("in the past") })
        #expect(try await store.lastPosition() == .beforeFirst)
        #expect(try await store.timerCount() == 0)
    }

    @Test("a deadline scheduled again for the same instant fires again")
    func rescheduledSameInstant() async throws {
        let clock = ManualClock(instant(1_000 * day))
        let store = InMemoryEventStore(clock: clock)
        let engine = try WorkflowEngine(workflow: Rearm(), store: store, clock: clock)
        let scheduler = try DeadlineScheduler(store: store, handlers: [engine], clock: clock)
        let s = StreamID.test("r")
        _ = try await engine.handle(.arm, for: s, commandID: "1", actor: "x")
        #expect(try await scheduler.tick(until: instant(1_001 * day)).accepted == 1)
        _ = try await engine.handle(.arm, for: s, commandID: "2", actor: "x")  // the same due instant again
        #expect(try await scheduler.tick(until: instant(1_001 * day)).accepted == 1)
        #expect(try await engine.state(of: s).state == 2)
        #expect(try await store.timerCount() == 0)
    }

    @Test("a deadline whose fired command id would not fit the log is refused when scheduled")
    func longDeadlineName() async throws {
        let store = InMemoryEventStore()
        let engine = try WorkflowEngine(workflow: Rearm(deadline: String(repeating: "d", count: 190)), store: store)
        await #expect(performing: { try await engine.handle(.arm, for: .test("r"), commandID: "1", actor: "x") },
                      throws: { ($0 as? DocketError)?.code == .invalidArgument })
        #expect(try await store.lastPosition() == .beforeFirst)
    }

    @Test("two handlers for one workflow are refused")
    func duplicateHandlers() throws {
        let engine = try WorkflowEngine(workflow: Rearm(), store: InMemoryEventStore())
        #expect(throws: DocketError.self) { try DeadlineScheduler(store: InMemoryEventStore(), handlers: [engine, engine]) }
    }

    @Test("a timer read as due but cancelled before it fires is superseded: its command is not applied")
    func superseded() async throws {
        let clock = ManualClock(instant(1_000 * day))
        let store = InMemoryEventStore(clock: clock)
        let engine = try WorkflowEngine(workflow: Approval(), store: store, clock: clock)
        let s = StreamID.test("a-1")
        _ = try await engine.handle(.request(days: 1), for: s, commandID: "1", actor: "clerk")
        clock.set(instant(1_001 * day))
        let stale = try #require(try await store.dueTimers(until: clock.now(), limit: 10).first)
        _ = try await engine.handle(.answer, for: s, commandID: "2", actor: "clerk")  // cancels the deadline
        #expect(try await engine.fire(stale) == .superseded)
        #expect(try await engine.state(of: s).state == .answered)
        // Moved rather than cancelled: the same check, in the append's own transaction, refuses it.
        let moved = ScheduledTimer(id: stale.id, due: instant(1_002 * day), payload: stale.payload)
        try await store.updateTimers([.schedule(moved)])
        let before = try await store.lastPosition()
        await #expect(performing: {
            try await store.append(AppendRequest(
                stream: s, expected: .any, events: [Fixtures.event()], metadata: Fixtures.metadata, timers: [.complete(stale.id, due: stale.due)]))
        }, throws: { ($0 as? DocketError)?.code == .timerSuperseded })
        #expect(try await store.lastPosition() == before, "nothing of the refused append is written")
        #expect(try await store.timer(stale.id) == moved)
    }

    @Test("a timer of a workflow nobody handles is left in place and reported")
    func unhandled() async throws {
        let store = InMemoryEventStore()
        try await store.updateTimers([.schedule(ScheduledTimer(id: try TimerID("other|s|d"), due: instant(0), payload: []))])
        let report = try await DeadlineScheduler(store: store, handlers: []).tick(until: instant(1))
        #expect(report.unhandled == 1 && report.fired == 0)
        #expect(try await store.timerCount() == 1)
    }

    @Test("the scheduler runs as a service until cancelled")
    func service() async throws {
        let clock = ManualClock(instant(1_000 * day))
        let store = InMemoryEventStore(clock: clock)
        let engine = try WorkflowEngine(workflow: Approval(), store: store, clock: clock)
        let scheduler = try DeadlineScheduler(store: store, handlers: [engine], clock: clock, interval: .milliseconds(10))
        _ = try await engine.handle(.request(days: 1), for: .test("a"), commandID: "1", actor: "clerk")
        let task = Task { try await scheduler.run() }
        clock.set(instant(1_002 * day))
        var waited = 0
        while try await engine.state(of: .test("a")).state != .expired, waited < 500 {
            try await Task.sleep(for: .milliseconds(10))
            waited += 1
        }
        task.cancel()
        try await task.value
        #expect(try await engine.state(of: .test("a")).state == .expired)
    }

    /// Random requests, answers, clock moves, ticks and restarts of an LMDB store, with appends and
    /// timer updates failing at random before or after their commit: every unanswered request
    /// expires exactly once, and no answered one expires.
    @Test("deadlines fire exactly once across restarts and crashes")
    func exactlyOnce() async {
        let totals = Mutex((expired: 0, failedTicks: 0))
        @Sendable func history(_ ops: [Int], _ seed: UInt64) async throws {
            let dir = TemporaryDirectory()
            let clock = ManualClock(instant(1_000 * day))
            var options = LMDBEventStore.Options()
            options.clock = clock
            options.initialMapSize = 1 << 20
            options.indexFlushThreshold = 5
            var lmdb = try LMDBEventStore(path: dir.path, options: options)
            var store = FaultyStore(lmdb, seed: seed, percent: 20)
            var engine = try WorkflowEngine(workflow: Approval(), store: store, clock: clock)
            var scheduler = try DeadlineScheduler(store: store, handlers: [engine], clock: clock)
            for (i, op) in ops.enumerated() {
                let s = StreamID.test("a-\(op % 6)")
                switch (op / 6) % 6 {
                case 0, 1: _ = try? await engine.handle(.request(days: 1 + op % 3), for: s, commandID: "req-\(i)", actor: "clerk")
                case 2: _ = try? await engine.handle(.answer, for: s, commandID: "ans-\(i)", actor: "clerk")
                case 3: clock.advance(milliseconds: Int64(op % 48) * 3_600_000)
                case 4:
                    let report = try await scheduler.tick(until: clock.now())
                    totals.withLock { $0.failedTicks += report.failed }
                default:
                    await lmdb.close()
                    lmdb = try LMDBEventStore(path: dir.path, options: options)
                    store = FaultyStore(lmdb, seed: seed &+ UInt64(i), percent: 20)
                    engine = try WorkflowEngine(workflow: Approval(), store: store, clock: clock)
                    scheduler = try DeadlineScheduler(store: store, handlers: [engine], clock: clock)
                }
            }
            store.setFaults(percent: 0)
            clock.advance(milliseconds: 10 * day)
            _ = try await scheduler.tick(until: clock.now())
            #expect(try await lmdb.timerCount() == 0)
            for n in 0..<6 {
                let types = try await lmdb.readStream(.test("a-\(n)")).map(\.type)
                let requested = types.contains("approval.requested")
                let answered = types.contains("approval.answered")
                let expired = types.filter { $0 == "approval.expired" }.count
                totals.withLock { $0.expired += expired }
                #expect(expired <= 1, "stream a-\(n) expired \(expired) times: \(types)")
                #expect(!(answered && expired > 0), "stream a-\(n) both answered and expired: \(types)")
                if requested && !answered { #expect(expired == 1, "stream a-\(n) never expired: \(types)") }
            }
            #expect(try await lmdb.verify().isIntact)
            await lmdb.close()
        }
        await propertyCheck(count: 12, input: Gen.int(in: 0...9_999).array(of: 10...60), Gen.uint64(in: 1...UInt64.max)) { ops, seed in
            try await history(ops, seed)
        }
        // The histories are random: a few may happen to fire little, or never fail a fire. More
        // are run, each checked as above, until together they have exercised both.
        var rng = SystemRandomNumberGenerator()
        var extra = 0
        while extra < 200, !totals.withLock({ $0.expired > 10 && $0.failedTicks > 0 }) {
            let ops = (0..<Int.random(in: 10...60, using: &rng)).map { _ in Int.random(in: 0...9_999, using: &rng) }
            do { try await history(ops, UInt64.random(in: 1...UInt64.max, using: &rng)) } catch { Issue.record("history \(ops) failed: \(error)") }
            extra += 1
        }
        let seen = totals.withLock { $0 }
        #expect(seen.expired > 10 && seen.failedTicks > 0, "the histories exercise fires and failed fires: \(seen), after \(extra) more histories")
    }
}

/// Arms two deadlines, "first" (day 1,001) and "second" (day 1,002); each fire records its name.
struct TwoSteps: Workflow {
    enum Command: Codable, Sendable, Hashable { case arm, fire(String) }
    enum Event: Sendable { case armed, fired(String) }
    enum Rejection: Error, Sendable {}
    struct Empty: Codable {}
    struct Name: Codable { var name: String }
    var name = "two-steps"
    var definitionVersion: UInt32 = 1
    var initialState: [String] { [] }
    func decide(_ command: Command, state: [String], context: DecisionContext) throws(Rejection) -> [Event] {
        switch command {
        case .arm: [.armed]
        case .fire(let n): [.fired(n)]
        }
    }
    func evolve(_ state: [String], _ event: Event) -> [String] {
        switch event {
        case .armed: state
        case .fired(let n): state + [n]
        }
    }
    func deadlines(after event: Event, from before: [String], to state: [String], context: DecisionContext) -> [DeadlineEffect<Command>] {
        switch event {
        case .armed: [.schedule(name: "second", due: instant(1_002 * day), fire: .fire("second")), .schedule(name: "first", due: instant(1_001 * day), fire: .fire("first"))]
        case .fired: []
        }
    }
    var codec: EventCodec<Event> {
        EventCodec<Event> { e in
            switch e {
            case .armed: try .binary("steps.armed", Empty())
            case .fired(let n): try .binary("steps.fired", Name(name: n))
            }
        }
        .decoding("steps.armed", as: Empty.self) { _ in .armed }
        .decoding("steps.fired", as: Name.self) { .fired($0.name) }
    }
}

/// Arms a deadline due at a fixed instant (day 1,001) every time; each fire counts one.
struct Rearm: Workflow {
    enum Command: Codable, Sendable { case arm, fire }
    enum Event: Sendable { case armed, fired }
    enum Rejection: Error, Sendable {}
    struct Empty: Codable {}
    var name = "rearm"
    var deadline = "due"
    var definitionVersion: UInt32 = 1
    var initialState: Int { 0 }
    func decide(_ command: Command, state: Int, context: DecisionContext) throws(Rejection) -> [Event] {
        switch command {
        case .arm: [.armed]
        case .fire: [.fired]
        }
    }
    func evolve(_ state: Int, _ event: Event) -> Int {
        switch event {
        case .armed: state
        case .fired: state + 1
        }
    }
    func deadlines(after event: Event, from before: Int, to state: Int, context: DecisionContext) -> [DeadlineEffect<Command>] {
        switch event {
        case .armed: [.schedule(name: deadline, due: instant(1_001 * day), fire: .fire)]
        case .fired: []
        }
    }
    var codec: EventCodec<Event> {
        EventCodec<Event> { e in
            switch e {
            case .armed: try .json("rearm.armed", Empty())
            case .fired: try .json("rearm.fired", Empty())
            }
        }
        .decoding("rearm.armed", as: Empty.self) { _ in .armed }
        .decoding("rearm.fired", as: Empty.self) { _ in .fired }
    }
}

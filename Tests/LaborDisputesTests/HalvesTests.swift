import DocketCore
import DocketTesting
@testable import LaborDisputes
import Synchronization
import Testing

/// Values that count how many of them are alive, to show that a failed map leaves none behind.
private final class Tracked: Sendable {
    static let alive = Atomic<Int>(0)
    let value: Int
    init(_ value: Int) {
        self.value = value
        Self.alive.add(1, ordering: .relaxed)
    }
    deinit { Self.alive.subtract(1, ordering: .relaxed) }
}

private struct Failure: Error, Equatable {
    let index: Int
}

@Suite("Work in two halves", .serialized)
struct HalvesTests {
    @Test("the map in halves equals the serial map, below and above the threshold")
    func equalsMap() throws {
        for count in [0, 1, 63, 64, 65, 1_000, 1_001] {
            let input = (0..<count).map { "v\($0)" }
            let mapped = try CaseProjection.mapInHalves(count: input.count, threshold: 64) { input[$0] + "!" }
            #expect(mapped == input.map { $0 + "!" }, "\(count) elements")
        }
    }

    @Test("the first failure in element order is thrown, and no result is left alive")
    func failures() throws {
        for failing in [[10], [900], [700, 200], [999, 0], [500]] {
            let error = #expect(throws: Failure.self) {
                try CaseProjection.mapInHalves(count: 1_000, threshold: 64) { i -> Tracked in
                    if failing.contains(i) { throw Failure(index: i) }
                    return Tracked(i)
                }
            }
            #expect(error == Failure(index: failing.min()!), "failing at \(failing)")
            #expect(Tracked.alive.load(ordering: .relaxed) == 0, "results of a failed map are released")
        }
        let kept = try CaseProjection.mapInHalves(count: 1_000, threshold: 64) { Tracked($0) }
        #expect(kept.map(\.value) == Array(0..<1_000))
        #expect(Tracked.alive.load(ordering: .relaxed) == 1_000)
    }

    @Test("a rebuild in one batch (decoded and encoded in halves) equals the projection kept up to date step by step (folded one event at a time)")
    func largeBatch() async throws {
        let h = try MixedHistory()
        for i in ScenarioLibrary.all.indices {
            for step in MixedHistory.steps(i, i) {
                _ = try await h.run.run(step)
                try await h.models.runner.catchUp()
            }
        }
        let caseEvents = try await h.run.store.readLog(after: .beforeFirst, limit: 1_000_000).filter { $0.type.hasPrefix("case.") }.count
        #expect(caseEvents > 1_024, "enough events for the halves: \(caseEvents)")
        let live = try await h.models.caseRecords().sorted { $0.id < $1.id }
        let liveArchives = try await h.run.store.allRows("archives")
        try await h.models.runner.rebuild(["cases", "archives"])
        let rebuilt = try await h.models.caseRecords().sorted { $0.id < $1.id }
        #expect(rebuilt.count > 250)
        #expect(rebuilt == live)
        #expect(try await h.run.store.allRows("archives") == liveArchives)
    }
}

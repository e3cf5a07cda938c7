import DocketCore
import DocketEngine
import DocketTesting
import Foundation
import LaborDisputes
import Testing

@Suite("The demo workload")
struct DemoTests {
    @Test("every command of the demo's cases is accepted, for several seeds; the same seed gives the same commands", arguments: [1, 2, 3] as [UInt64])
    func workload(seed: UInt64) async throws {
        let rules = try CaseRules.bundled()
        let workload = DemoWorkload(seed: seed, regions: rules.regions)
        let clock = ManualClock()
        let store = InMemoryEventStore(clock: clock)
        let desk = try DisputeDesk(store: store, rules: rules, clock: clock)
        var refused: [String] = []
        func run(_ line: VocabularyLine) async throws {
            clock.set(line.at)
            if let r = try await desk.handle(line).rejection { refused.append("\(line.id) \(line.name): \(r.code): \(r.message)") }
        }
        for line in workload.rosterLines() { try await run(line) }
        for n in 0..<300 { for line in workload.caseLines(n) { try await run(line) } }
        for line in workload.lateRosterLines() { try await run(line) }
        #expect(refused == [])
        let report = try await DeadlineScheduler(store: store, handlers: [desk.cases], clock: clock).tick(until: DemoWorkload.end)
        #expect(report.failed == 0 && report.fired > 0)
        #expect(workload.caseLines(42) == DemoWorkload(seed: seed, regions: rules.regions).caseLines(42))
        // The paths are varied: most cases end by negotiation or mediation, some in court.
        let records = try await DisputeReadModels(store: store, rules: rules).caseRecords()
        let stats = Statistics.report(records, period: .year)
        #expect(records.count == 300)
        #expect((stats.totals.resolvedByNegotiationAndMediation.share ?? 0) > 0.5)
        #expect(Set(stats.totals.outcomes.keys).isSuperset(of: ["settledByNegotiation", "mediated", "awardEffective", "withdrawn"]))
    }
}

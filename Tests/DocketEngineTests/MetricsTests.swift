import DocketCore
import DocketEngine
import DocketTesting
import Metrics
import MetricsTestKit
import Testing

/// swift-metrics is bootstrapped once per process; engines made before that record nowhere, so the
/// test uses a workflow name of its own.
let testMetrics: TestMetrics = {
    let m = TestMetrics()
    MetricsSystem.bootstrap(m)
    return m
}()

@Suite("Metrics")
struct MetricsTests {
    @Test("commands, rejections, replays and conflicts are counted; durations timed")
    func counted() async throws {
        let metrics = testMetrics
        let store = InMemoryEventStore()
        let a = try WorkflowEngine(workflow: Counter(name: "metered"), store: store)
        let b = try WorkflowEngine(workflow: Counter(name: "metered"), store: store)
        _ = try await a.handle(.increment(by: 1), for: .test("m"), commandID: "1", actor: "x")
        _ = try await a.handle(.increment(by: 1), for: .test("m"), commandID: "1", actor: "x")
        _ = try await b.handle(.increment(by: 1), for: .test("m"), commandID: "2", actor: "x")
        _ = try await a.handle(.increment(by: 2), for: .test("m"), commandID: "3", actor: "x")  // stale cache: conflict, retried
        _ = try await a.handle(.increment(by: 500), for: .test("m"), commandID: "4", actor: "x")  // rejected
        let w = ("workflow", "metered")
        #expect(try metrics.expectCounter("docket_commands_total", [w, ("outcome", "accepted")]).totalValue == 3)
        #expect(try metrics.expectCounter("docket_commands_total", [w, ("outcome", "replayed")]).totalValue == 1)
        #expect(try metrics.expectCounter("docket_commands_total", [w, ("outcome", "rejected")]).totalValue == 1)
        #expect(try metrics.expectCounter("docket_command_conflicts_total", [w]).totalValue == 1)
        #expect(try metrics.expectTimer("docket_command_duration_seconds", [w]).values.count == 5)
    }
}

import Metrics

/// The engine's counters and timers (swift-metrics), created once per engine. Labels:
/// - `docket_commands_total` {workflow, outcome = accepted | rejected | replayed | failed}
/// - `docket_command_duration_seconds` {workflow}: waiting for the stream, load, decide and append,
///   retries included
/// - `docket_command_conflicts_total` {workflow}: decisions tried again because the stream had moved
///   on (a version conflict, or a refusal or no-op decided on a state older than the head)
/// - `docket_stream_replays_total` {workflow}: cache misses that replayed a stream
/// - `docket_deadlines_fired_total` {workflow, outcome = accepted | rejected | failed}
struct EngineMetrics: Sendable {
    let accepted: Counter
    let rejected: Counter
    let replayed: Counter
    let failed: Counter
    let duration: Metrics.Timer
    let conflicts: Counter
    let replays: Counter
    let deadlinesAccepted: Counter
    let deadlinesRejected: Counter
    let deadlinesFailed: Counter

    init(workflow: String) {
        let w = ("workflow", workflow)
        accepted = Counter(label: "docket_commands_total", dimensions: [w, ("outcome", "accepted")])
        rejected = Counter(label: "docket_commands_total", dimensions: [w, ("outcome", "rejected")])
        replayed = Counter(label: "docket_commands_total", dimensions: [w, ("outcome", "replayed")])
        failed = Counter(label: "docket_commands_total", dimensions: [w, ("outcome", "failed")])
        duration = Metrics.Timer(label: "docket_command_duration_seconds", dimensions: [w])
        conflicts = Counter(label: "docket_command_conflicts_total", dimensions: [w])
        replays = Counter(label: "docket_stream_replays_total", dimensions: [w])
        deadlinesAccepted = Counter(label: "docket_deadlines_fired_total", dimensions: [w, ("outcome", "accepted")])
        deadlinesRejected = Counter(label: "docket_deadlines_fired_total", dimensions: [w, ("outcome", "rejected")])
        deadlinesFailed = Counter(label: "docket_deadlines_fired_total", dimensions: [w, ("outcome", "failed")])
    }
}

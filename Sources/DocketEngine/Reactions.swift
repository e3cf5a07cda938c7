public import DocketCore
public import Logging
public import ServiceLifecycle

/// A command a reaction sends: to which engine and stream, with an id derived from the event that
/// caused it (so a resend after a restart is recognised as the same command).
public struct Dispatch: Sendable {
    let send: @Sendable (_ commandID: String, _ causation: RecordedEvent) async throws -> Void

    /// Sends `command` to `stream` through `engine`. A rejection is accepted as the answer (the
    /// target's rules decide); a failure is retried with the same id.
    public static func command<W: Workflow>(_ command: W.Command, to stream: StreamID, via engine: WorkflowEngine<W>) -> Dispatch {
        Dispatch { id, cause in
            _ = try await engine.handle(
                command, for: stream, commandID: id, actor: EngineActor.reaction,
                correlationID: cause.metadata.correlationID ?? cause.commandID, causationID: cause.commandID)
        }
    }
}

/// A process across streams: for each event it handles, the commands to send to other streams.
/// Pure: the same event always gives the same commands, in the same order.
public protocol Reaction: Sendable {
    /// The reaction's name (a projection name: its checkpoint is stored under `reaction.<name>`).
    var name: String { get }
    /// The event types it reacts to, or `nil` for every event.
    var eventTypes: Set<String>? { get }
    /// The commands an event causes.
    func react(to event: RecordedEvent) throws -> [Dispatch]
}

/// Runs reactions: reads the log from each reaction's checkpoint, sends the commands each event
/// causes (id `reaction|<name>|<position>|<index>`), then stores the checkpoint. At least once and
/// idempotent: after a crash the commands since the last checkpoint are sent again with the same
/// ids, and the engines answer them from their idempotency index.
public final class ReactionRunner: Service, Sendable {
    let store: any EventStore & ProjectionStore
    let reactions: [any Reaction]
    let batchSize: Int
    let logger: Logger

    /// Creates a runner.
    public init(
        store: any EventStore & ProjectionStore, reactions: [any Reaction], batchSize: Int = 256,
        logger: Logger = Logger(label: "docket.reactions")
    ) throws(DocketError) {
        var names = Set<String>()
        for r in reactions {
            try validateProjectionName("reaction.\(r.name)")
            guard names.insert(r.name).inserted else { throw DocketError(.invalidArgument, "two reactions are named \(r.name)") }
        }
        self.store = store
        self.reactions = reactions
        self.batchSize = Swift.max(1, batchSize)
        self.logger = logger
    }

    /// Processes every event up to the log's current last position; returns the commands sent.
    @discardableResult
    public func catchUp() async throws -> Int {
        let head = try await store.lastPosition()
        var sent = 0
        var firstError: (any Error)?
        for r in reactions {
            do { sent += try await catchUp(r, to: head) } catch is CancellationError {
                throw CancellationError()
            } catch {
                // One failing reaction does not hold the others back; it retries from its checkpoint.
                logger.error("reaction failed", metadata: ["reaction": "\(r.name)", "error": "\(error)"])
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
        return sent
    }

    private func catchUp(_ r: any Reaction, to head: LogPosition) async throws -> Int {
        var sent = 0
        let key = "reaction.\(r.name)"
        var checkpoint = try await store.projectionStatus(key).checkpoint
        while checkpoint < head {
            try Task.checkCancellation()
            let events = try await store.readLog(after: checkpoint, limit: batchSize)
            guard let last = events.last else { break }
            for e in events where r.eventTypes?.contains(e.type) ?? true {
                for (i, d) in try r.react(to: e).enumerated() {
                    try await d.send("reaction|\(r.name)|\(e.position.value)|\(i)", e)
                    sent += 1
                }
            }
            try await store.commitProjection(ProjectionCommit(name: key, slot: .live, expected: checkpoint, checkpoint: last.position, writes: []))
            checkpoint = last.position
        }
        return sent
    }

    /// The checkpoint of a reaction.
    public func checkpoint(of name: String) async throws -> LogPosition {
        try await store.projectionStatus("reaction.\(name)").checkpoint
    }

    /// Catches up, then follows new events until cancelled or shut down.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await self.catchUp()
                    var reached = LogPosition(UInt64.max)
                    for r in self.reactions { reached = min(reached, try await self.checkpoint(of: r.name)) }
                    try await self.store.waitForEvents(after: self.reactions.isEmpty ? .beforeFirst : reached)
                } catch is CancellationError {
                    return
                } catch {
                    self.logger.error("reaction batch failed", metadata: ["error": "\(error)"])
                    do { try await Task.sleep(for: .seconds(1)) } catch { return }
                }
            }
        }
    }
}

import ArgumentParser
import DocketCore
import DocketLMDB
import Foundation
import DocketEngine
import LaborDisputes
import Synchronization

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Runs a realistic, deterministic workload of labor cases and prints the headline statistics.",
        discussion: """
            Registers the seed regions' mediation organizations and mediators, then runs --cases cases \
            through the dispute desk (the public API), each following a plausible path over 2025 and \
            2026: most settle or are mediated; some go to arbitration review, judicial confirmation, \
            payment orders, arbitration and litigation; some are withdrawn; some miss deadlines, which \
            the scheduler then fires. Prints the share resolved by negotiation and mediation and other \
            figures. The same --seed gives the same commands: running it again changes nothing.

            The demo writes in bulk mode (no fsync per commit, one flush at the end): a power loss \
            during the demo may lose its last commits, never the store's consistency.

            Example:
              docket demo
              docket demo --cases 100000 --seed 7 --store /tmp/big
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: "How many cases.") var cases = 2_000
    @Option(help: "The workload's seed.") var seed: UInt64 = 1
    @Option(help: "Concurrent workers (each with its own clock).") var workers = 8

    func validate() throws {
        guard cases > 0, cases <= 10_000_000 else { throw ValidationError("--cases is 1 to 10,000,000") }
        guard (1...256).contains(workers) else { throw ValidationError("--workers is 1 to 256") }
    }

    func run() async throws {
        try await reportingErrors {
            let started = ContinuousClock.now
            let store = try storeOptions.open(create: true, durability: .noFsyncMayLoseRecentCommitsOnPowerLoss)
            let rules = try CaseRules.bundled()
            let workload = DemoWorkload(seed: seed, regions: rules.regions)
            let tally = DemoTally()
            let clock = CommandClock()
            let desk = try DisputeDesk(store: store, rules: rules, clock: clock)
            for line in workload.rosterLines() {
                clock.set(line.at)
                tally.record(line, try await desk.handle(line))
            }
            let progress = ProgressLine(total: cases, label: "cases")
            let printer = Task { await progress.run() }
            // The case read model follows the log while the cases are written, as the projection
            // runner does in a service, so the statistics at the end need only the last events.
            let readModels = try DisputeReadModels(store: store, rules: rules)
            let follower = Task {
                var rounds = 0
                while !Task.isCancelled {
                    do {
                        try await readModels.runner.catchUp("cases")
                        // Now and then, unmap the pages read so far (they stay in the page cache):
                        // the demo touches most of the store, and its resident memory need not.
                        rounds += 1
                        if rounds % 20 == 0 { try store.releaseMappedPages() }
                        try await Task.sleep(for: .milliseconds(100))
                    } catch {
                        return  // cancelled; a failure shows again in the final catch-up, which reports it
                    }
                }
            }
            let count = cases, workerCount = workers
            try await withThrowingTaskGroup(of: Void.self) { group in
                for w in 0..<workerCount {
                    group.addTask {
                        // One desk per worker, each with its own clock: every command is decided at its own instant.
                        // A worker runs one case at a time, so its desk needs only a small cache.
                        let clock = CommandClock()
                        let desk = try DisputeDesk(store: store, rules: rules, clock: clock, cacheCapacity: 64)
                        for n in stride(from: w, to: count, by: workerCount) {
                            for line in workload.caseLines(n) {
                                clock.set(line.at)
                                tally.record(line, try await desk.handle(line))
                            }
                            progress.advance()
                        }
                    }
                }
                try await group.waitForAll()
            }
            printer.cancel()
            await printer.value
            progress.finish()
            for line in workload.lateRosterLines() {
                clock.set(line.at)
                tally.record(line, try await desk.handle(line))
            }
            // Deadlines nobody acted on, fired as of their due instants.
            clock.set(DemoWorkload.end)
            let ticking = ContinuousClock.now
            let fired = try await DeadlineScheduler(store: store, handlers: [desk.cases], clock: clock).tick(until: DemoWorkload.end)
            let ticked = ContinuousClock.now - ticking
            try await store.flush()
            let written = ContinuousClock.now
            follower.cancel()
            await follower.value
            try store.releaseMappedPages()
            let records = try await readModels.caseRecords()
            let report = Statistics.report(records.filter { $0.id.hasPrefix("D\(seed)-") }, period: .year)
            let elapsed = ContinuousClock.now - started
            let t = tally.snapshot()
            print("\(cases) cases, \(t.accepted) commands accepted, \(t.refused) refused, \(t.replayed) already applied; \(fired.fired) deadlines fired by the scheduler (in \(seconds(ticked)) s)")
            for m in t.examples { print("  refused: \(m)") }
            print("wrote in \(seconds(written - started)) s (the case read model following), caught up and computed statistics in \(seconds(elapsed - (written - started))) s; \(t.accepted + t.replayed) commands in \(seconds(elapsed)) s in all")
            let totals = report.totals
            print("")
            print("resolved by negotiation and mediation: \(percent(totals.resolvedByNegotiationAndMediation)) of the cases closed")
            for p in report.periods { print("  \(p.period): \(percent(p.resolvedByNegotiationAndMediation)); \(p.opened) registered, \(p.closed) closed, \(p.litigation) to litigation") }
            print("outcomes: " + totals.outcomes.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            print("open: " + report.pendingByStage.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            print("mediation accepted within 3 working days: \(percent(totals.mediationAcceptedInTime)); concluded in its term: \(percent(totals.mediationConcludedInTime))")
            print("agreements performed on time: \(percent(totals.agreementsPerformed)); awards in time: \(percent(totals.awardsInTime))")
            print("")
            print("store \(storeOptions.store). Next: docket stats --period quarter, docket roster organizations, docket risk, docket archive show \(records.first?.id ?? "CASE")")
            await store.close()
            if t.refused > 0 { throw ExitCode(1) }
        }
    }

    func seconds(_ d: Duration) -> String { String(format: "%.1f", Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18) }
}

/// Counts the demo's outcomes from concurrent workers.
final class DemoTally: Sendable {
    struct Snapshot {
        var accepted = 0, refused = 0, replayed = 0
        var examples: [String] = []
    }
    private let state = Mutex(Snapshot())

    func record(_ line: VocabularyLine, _ outcome: DisputeDesk.Outcome) {
        state.withLock { s in
            if let r = outcome.rejection {
                s.refused += 1
                if s.examples.count < 5 { s.examples.append("\(line.id) \(line.name): \(r.code): \(r.message)") }
            } else if outcome.replayed {
                s.replayed += 1
            } else {
                s.accepted += 1
            }
        }
    }

    func snapshot() -> Snapshot { state.withLock { $0 } }
}

/// Progress on standard error: a bar redrawn in place on a terminal, a plain line every 10% otherwise.
final class ProgressLine: Sendable {
    let total: Int
    let label: String
    let terminal = isatty(STDERR_FILENO) == 1
    private let done = Mutex((count: 0, printedTenth: 0))

    init(total: Int, label: String) {
        self.total = total
        self.label = label
    }

    func advance() {
        let line: String? = done.withLock { d in
            d.count += 1
            let tenth = d.count * 10 / max(total, 1)
            guard !terminal, tenth > d.printedTenth else { return nil }
            d.printedTenth = tenth
            return "\(d.count)/\(total) \(label)\n"
        }
        if let line { FileHandle.standardError.write(Data(line.utf8)) }
    }

    func draw() {
        guard terminal else { return }
        let n = done.withLock { $0.count }
        let width = 30, filled = width * n / max(total, 1)
        FileHandle.standardError.write(Data("\r[\(String(repeating: "#", count: filled))\(String(repeating: " ", count: width - filled))] \(n)/\(total) \(label)".utf8))
    }

    func run() async {
        while !Task.isCancelled {
            draw()
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    func finish() {
        guard terminal else { return }
        draw()
        FileHandle.standardError.write(Data("\n".utf8))
    }
}

struct Read: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print events of one stream or of the whole log.",
        discussion: """
            Example:
              docket read --stream case-1
              docket read --after 100 --limit 20 --json
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: "Read only this stream.") var stream: String?
    @Option(help: "Read the log after this position.") var after: UInt64 = 0
    @Option(help: "At most this many events.") var limit = 100
    @Flag(help: "Print NDJSON (the export format) instead of text.") var json = false

    func run() async throws {
        try await reportingErrors {
            let store = try storeOptions.open()
            let events: [RecordedEvent]
            if let stream {
                events = try await store.readStream(try StreamID(stream), from: .first, direction: .forward, limit: limit)
            } else {
                events = try await store.readLog(after: LogPosition(after), limit: limit)
            }
            for e in events { print(json ? LogNDJSON.encode(e) : e.humanLine) }
        }
    }
}

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the hash chain, record hashes, positions, stream versions and heads, and the indexes.",
        discussion: """
            Exits 0 when the log is intact, 1 when a problem is found (the first one is named).

            Example:
              docket verify --store ./docket-data
            """)

    @OptionGroup var storeOptions: StoreOptions

    func run() async throws {
        try await reportingErrors {
            let store = try storeOptions.open()
            let report = try await store.verify()
            print(report)
            if !report.isIntact { throw ExitCode(1) }
        }
    }
}

struct Info: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the store's size, counts, format version, and each projection's position and lag.",
        discussion: "Example:\n  docket info --store ./docket-data")

    @OptionGroup var storeOptions: StoreOptions

    func run() async throws {
        try await reportingErrors {
            let store = try storeOptions.open()
            let i = try await store.info()
            print("store:            \(store.path)")
            print("format version:   \(i.formatVersion)")
            print("events:           \(i.events)")
            print("streams:          \(i.streams)")
            print("idempotency keys: \(i.idempotencyKeys)")
            print("chain head:       \(i.chainHead.position) \(i.chainHead.hash.hex)")
            print("unindexed events: \(i.unindexedEvents)")
            print("used bytes:       \(i.usedBytes)")
            print("map size:         \(i.mapSize)")
            let last = try await store.lastPosition()
            for name in try await store.projectionNames() {
                let status = try await store.projectionStatus(name)
                let lag = last.value > status.checkpoint.value ? last.value - status.checkpoint.value : 0
                print("projection \(name): at position \(status.checkpoint.value), \(lag) event(s) behind\(status.rebuildCheckpoint.map { "; rebuild in progress at \($0.value)" } ?? "")")
            }
            await store.close()
        }
    }
}

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the whole log as NDJSON (lossless: every field and both hashes).",
        discussion: """
            Example:
              docket export --output log.ndjson
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: "The file to write (standard output when omitted).") var output: String?

    func run() async throws {
        try await reportingErrors {
            let store = try storeOptions.open()
            let handle: FileHandle
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: nil) else {
                    throw DocketError(.invalidArgument, "cannot create \(output)")
                }
                handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
            } else {
                handle = FileHandle.standardOutput
            }
            let n = try await store.exportNDJSON(to: handle)
            if output != nil {
                try handle.close()
                print("exported \(n) events to \(output!)")
            }
        }
    }
}

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import an NDJSON export, checking every line's hash, the chain and the positions.",
        discussion: """
            The import refuses a line that is malformed, altered, out of order or breaks the chain, \
            naming its line number; nothing of the batch holding it is written. Writes without a \
            per-commit fsync and flushes once at the end.

            Example:
              docket import log.ndjson --store ./restored
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: "The NDJSON file, or - for standard input.") var file: String

    func run() async throws {
        try await reportingErrors {
            let handle: FileHandle
            if file == "-" {
                handle = FileHandle.standardInput
            } else {
                guard let h = FileHandle(forReadingAtPath: file) else { throw DocketError(.invalidArgument, "cannot read \(file)") }
                handle = h
            }
            let store = try storeOptions.open(create: true, durability: .noFsyncMayLoseRecentCommitsOnPowerLoss)
            let n = try await store.importNDJSON(from: handle)
            try await store.flush()
            await store.close()
            print("imported \(n) events into \(storeOptions.store)")
        }
    }
}

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a consistent, compacted copy of the store while writes continue.",
        discussion: "Example:\n  docket backup ./backup-2026-11-23")

    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: "The directory to write the copy into (created; must not hold a store).") var directory: String

    func run() async throws {
        try await reportingErrors {
            let store = try storeOptions.open()
            if FileManager.default.fileExists(atPath: directory + "/data.mdb") {
                throw DocketError(.invalidArgument, "\(directory) already holds a store")
            }
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try await store.backup(to: directory)
            print("backed up \(storeOptions.store) to \(directory)")
        }
    }
}

/// A test aid: appends in a loop from several writers and prints one line per acknowledged append,
/// so that a parent process can kill it at a random moment and check every acknowledged append.
struct AppendLoop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debug-append-loop",
        abstract: "Append in a loop and print each acknowledged append (for crash tests).",
        shouldDisplay: false)

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: "Concurrent writers.") var writers = 8
    @Option(help: "Stop after this many appends per writer (0: never).") var count = 0
    @Option(help: "Payload bytes per event.") var payloadBytes = 200
    @Option(help: "Initial map size in bytes.") var mapSize = 1 << 20
    @Option(help: "Stream name prefix (several processes may share a store).") var prefix = "w"
    @Flag(help: "On a version conflict, re-read the stream's version and try again.") var retryConflicts = false
    @Flag(help: "Give every append the idempotency key PREFIX-WRITER-N.") var keys = false

    func run() async throws {
        try await reportingErrors {
            var options = storeOptions.options(create: true)
            options.initialMapSize = mapSize
            let store = try LMDBEventStore(path: storeOptions.store, options: options)
            let out = AckPrinter()
            let payload = [UInt8](repeating: UInt8(ascii: "x"), count: payloadBytes)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for w in 0..<writers {
                    group.addTask {
                        let stream = try StreamID("\(prefix)-\(w)")
                        var version = try await store.version(of: stream)
                        // Each append adds two events to the stream: with keys, number appends on
                        // from what earlier runs left, so that a new run's keys are new.
                        let base = keys ? Int(version.value / 2) : 0
                        var i = 0
                        while count == 0 || i < count {
                            i += 1
                            let r: AppendResult
                            do {
                                r = try await store.append(AppendRequest(streams: [
                                StreamAppend(stream: stream, expected: .exact(version), events: [
                                    NewEvent(type: "Tick", payload: payload, occurredAt: Timestamp(millisecondsSinceEpoch: Int64(base + i))),
                                    NewEvent(type: "Tock", payload: payload, occurredAt: Timestamp(millisecondsSinceEpoch: Int64(base + i))),
                                ]),
                                StreamAppend(stream: "shared", expected: .any, events: [
                                    NewEvent(type: "Seen", payload: Array(stream.rawValue.utf8), occurredAt: Timestamp(millisecondsSinceEpoch: Int64(base + i))),
                                ]),
                            ], metadata: CommandMetadata(actor: "test:\(prefix)"), idempotencyKey: keys ? "\(stream)-\(base + i)" : nil))
                            } catch let conflict as VersionConflict where retryConflicts {
                                version = conflict.actual
                                i -= 1
                                continue
                            }
                            version = r.streams[0].lastVersion
                            out.ack("\(stream) \(r.streams[0].firstVersion) \(version) \(r.firstPosition) \(r.lastPosition) \(base + i)")
                        }
                    }
                }
                try await group.waitForAll()
            }
            await store.close()
        }
    }
}

/// Writes acknowledgement lines unbuffered, one `write(2)` per line, so a killed process leaves
/// only whole lines for the lines it acknowledged.
final class AckPrinter: Sendable {
    func ack(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(1, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { return }
                offset += n
            }
        }
    }
}

/// A test aid: opens a read snapshot and holds it (and its LMDB reader slot) until killed.
struct HoldReader: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debug-hold-reader",
        abstract: "Hold a read transaction open until killed (for reader-slot tests).",
        shouldDisplay: false)

    @OptionGroup var storeOptions: StoreOptions

    func run() async throws {
        try await reportingErrors {
            let store = try storeOptions.open()
            try store.scan(after: .beforeFirst) { _ in
                AckPrinter().ack("holding")
                while true { sleep(60) }
            }
            AckPrinter().ack("empty")
        }
    }
}

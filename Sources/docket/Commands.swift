import ArgumentParser
import DocketCore
import DocketLMDB
import Foundation

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a small sample log and read it back.",
        discussion: """
            Appends events for a few sample case streams from concurrent writers (group commit, \
            durable), reads them back by stream and by position, verifies the hash chain and \
            prints a summary. Creates the store if it is missing.

            Example:
              docket demo --cases 200 --store ./docket-data
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: "How many sample case streams to write.") var cases = 100
    @Option(help: "Events per case.") var eventsPerCase = 5

    func run() async throws {
        try await reportingErrors {
            guard cases > 0, eventsPerCase > 0 else { throw ValidationError("--cases and --events-per-case must be positive") }
            let store = try storeOptions.open(create: true)
            let before = try await store.lastPosition()
            let runID = String(UInt64(Date().timeIntervalSince1970 * 1000), radix: 36)
            let types = ["CaseRegistered", "NegotiationProposed", "MediationApplied", "MediationAccepted", "MediationAgreementSigned", "ReturnVisitRecorded"]
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for c in 0..<cases {
                    group.addTask {
                        let stream = try StreamID("demo-\(runID)-case-\(c)")
                        for e in 0..<eventsPerCase {
                            let payload = Array(#"{"case":"\#(stream)","step":\#(e)}"#.utf8)
                            let at = Timestamp(millisecondsSinceEpoch: 1_767_571_200_000 + Int64(c * 86_400_000 + e * 3_600_000))
                            try await store.append(
                                to: stream, expected: .exact(StreamVersion(UInt64(e))),
                                events: [NewEvent(type: types[e % types.count], payload: payload, occurredAt: at)],
                                metadata: CommandMetadata(actor: "registrar:demo"), idempotencyKey: "demo-\(runID)-\(c)-\(e)")
                        }
                    }
                }
                try await group.waitForAll()
            }
            let elapsed = ContinuousClock.now - started
            let written = cases * eventsPerCase
            let sample = try await store.readStream(try StreamID("demo-\(runID)-case-0"))
            var scanned = 0
            try store.scan(after: before) { _ in scanned += 1 }
            let report = try await store.verify()
            let info = try await store.info()
            print("wrote \(written) events for \(cases) cases in \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds]))) (each append durable, group-committed)")
            print("read back: case 0 has \(sample.count) events; the scan after position \(before) saw \(scanned)")
            for e in sample { print("  " + e.humanLine) }
            print("store \(storeOptions.store): \(info.events) events in \(info.streams) streams, \(info.usedBytes / 1024) KiB used")
            print("verify: \(report)")
            await store.close()
            if !report.isIntact { throw ExitCode(1) }
        }
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
        abstract: "Print the store's size, counts and format version.",
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

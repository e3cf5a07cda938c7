import DocketCore
@testable import DocketLMDB
import DocketTesting
import Foundation
import Synchronization

struct LMDBHarness: EventStoreHarness {
    let clock = ManualClock()
    let directory = TemporaryDirectory("docket-conformance")

    func options() -> LMDBEventStore.Options {
        var o = LMDBEventStore.Options()
        o.clock = clock
        o.pollInterval = .milliseconds(50)
        o.initialMapSize = 1 << 20
        return o
    }

    func makeStore() async throws -> any EventStore { try makeLMDB() }
    func makeImportableStore() async throws -> any ImportableEventStore { try makeLMDB() }

    func makeLMDB() throws -> LMDBEventStore {
        try LMDBEventStore(path: directory.sub(UUID().uuidString), options: options())
    }

    func reopen(_ store: any EventStore) async throws -> any EventStore {
        let lmdb = store as! LMDBEventStore
        let path = lmdb.path
        await lmdb.close()
        return try LMDBEventStore(path: path, options: options())
    }
}

/// The built `docket` executable, next to the test bundle.
let docketBinary: String = {
    if let override = ProcessInfo.processInfo.environment["DOCKET_BINARY"] { return override }
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    var candidates = [bundle.appendingPathComponent("docket").path]
    // On Linux the test runner may sit inside an .xctest directory.
    candidates.append(bundle.deletingLastPathComponent().appendingPathComponent("docket").path)
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
}()

/// Collects a pipe's output on a background thread until end of file.
final class OutputCollector: Sendable {
    private let data = Mutex(Data())
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                data.withLock { $0.append(chunk) }
            }
            done.signal()
        }
        thread.start()
    }

    var count: Int { data.withLock { $0.count } }
    var text: String { String(decoding: data.withLock { $0 }, as: UTF8.self) }

    /// Waits for end of file and returns everything read.
    func finish() -> String {
        done.wait()
        return text
    }
}

/// A running child process with its standard output and error collected.
struct Child {
    let process: Process
    let stdout: OutputCollector
    let stderr: OutputCollector

    /// Starts `docket` with `arguments`; with `shellPrefix`, through bash so that limits can be set first.
    static func docket(_ arguments: [String], shellPrefix: String? = nil) throws -> Child {
        let p = Process()
        if let shellPrefix {
            p.executableURL = URL(fileURLWithPath: "/bin/bash")
            p.arguments = ["-c", shellPrefix + "; exec \"$0\" \"$@\"", docketBinary] + arguments
        } else {
            p.executableURL = URL(fileURLWithPath: docketBinary)
            p.arguments = arguments
        }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        return Child(process: p, stdout: OutputCollector(out.fileHandleForReading), stderr: OutputCollector(err.fileHandleForReading))
    }

    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Waits for the child to exit; returns its complete output lines and status.
    func wait() -> (lines: [String], stderr: String, status: Int32) {
        process.waitUntilExit()
        return (completeLines(stdout.finish()), stderr.finish(), process.terminationStatus)
    }
}

/// Runs `docket` with `arguments` to the end: its complete output lines, its standard error and
/// its exit status (-1 when it could not start).
func run(_ arguments: [String]) -> (lines: [String], stderr: String, status: Int32) {
    guard let c = try? Child.docket(arguments) else { return ([], "could not start", -1) }
    return c.wait()
}

/// The lines of `text` that ended with a newline (a killed writer's last, partial line is dropped).
func completeLines(_ text: String) -> [String] {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    lines.removeLast()  // the text after the last newline: empty or partial
    return lines.filter { !$0.isEmpty }
}

/// One acknowledged append printed by `docket debug-append-loop`.
struct Ack: Hashable {
    let stream: StreamID
    let firstVersion: UInt64
    let lastVersion: UInt64
    let firstPosition: UInt64
    let lastPosition: UInt64

    /// The writer's append counter (the N of its idempotency key).
    let number: Int

    init?(_ line: String) {
        let f = line.split(separator: " ")
        guard f.count == 6, let s = try? StreamID(String(f[0])), let a = UInt64(f[1]), let b = UInt64(f[2]),
            let c = UInt64(f[3]), let d = UInt64(f[4]), let n = Int(f[5])
        else { return nil }
        stream = s; firstVersion = a; lastVersion = b; firstPosition = c; lastPosition = d; number = n
    }

    /// The request `debug-append-loop --keys` made for this acknowledgement, as a retry would send it.
    func retry(prefix: String = "w", payloadBytes: Int = 200, expected: ExpectedVersion = .any) -> AppendRequest {
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: payloadBytes)
        let at = Timestamp(millisecondsSinceEpoch: Int64(number))
        return AppendRequest(streams: [
            StreamAppend(stream: stream, expected: expected, events: [
                NewEvent(type: "Tick", payload: payload, occurredAt: at), NewEvent(type: "Tock", payload: payload, occurredAt: at),
            ]),
            StreamAppend(stream: "shared", expected: .any, events: [NewEvent(type: "Seen", payload: Array(stream.rawValue.utf8), occurredAt: at)]),
        ], metadata: CommandMetadata(actor: "test:\(prefix)"), idempotencyKey: "\(stream)-\(number)")
    }
}

/// Checks that every acknowledged append is in the store exactly where it was acknowledged.
func checkAcknowledged(_ acks: [Ack], in store: LMDBEventStore) async throws -> [String] {
    var problems: [String] = []
    for ack in acks {
        let count = Int(ack.lastVersion - ack.firstVersion + 1)
        let events = try await store.readStream(ack.stream, from: StreamVersion(ack.firstVersion), direction: .forward, limit: count)
        let positions = events.map(\.position.value)
        let expected = Array(ack.firstPosition..<(ack.firstPosition + UInt64(count)))
        if positions != expected {
            problems.append("acknowledged \(ack) but the stream holds positions \(positions)")
        }
        let shared = try await store.readLog(after: LogPosition(ack.lastPosition - 1), limit: 1)
        if shared.first?.stream != "shared" || shared.first?.payload != Array(ack.stream.rawValue.utf8) {
            problems.append("acknowledged \(ack) but position \(ack.lastPosition) holds \(String(describing: shared.first))")
        }
    }
    return problems
}

/// Opens (creating) a store in `dir` with the default options changed by `configure`.
func openStore(in dir: TemporaryDirectory, _ configure: (inout LMDBEventStore.Options) -> Void) throws -> LMDBEventStore {
    var options = LMDBEventStore.Options()
    configure(&options)
    return try LMDBEventStore(path: dir.path, options: options)
}

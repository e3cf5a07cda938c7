@_spi(Storage) public import DocketCore
public import Logging
import Foundation
import Synchronization

/// The durable event store: an LMDB environment in a directory (`data.mdb`, `lock.mdb`).
///
/// - Appends go to one writer thread that commits every queued append in one transaction with one
///   fsync (group commit); each caller returns once its events are durable.
/// - Reads run on the caller's thread, without suspending, in a read-only snapshot; they never block
///   commits (only growing the map waits for reads in flight).
/// - The stream index, heads and idempotency entries of the newest events are kept in memory and
///   written behind the log (``Options/indexFlushThreshold``); they are rebuilt from the log when needed.
/// - Expected versions and idempotency keys are checked inside the write transaction, so several
///   processes can share a store safely.
/// - The map grows by itself when full; a full disk is a thrown `DocketError` with code
///   `DocketError.Code.diskFull` and nothing of the failed commit is written.
///
/// ```swift
/// let store = try LMDBEventStore(path: "./docket-data")
/// try await store.append(to: "case-1", expected: .noStream,
///                        events: [NewEvent(type: "CaseRegistered", payload: bytes, occurredAt: at)],
///                        metadata: CommandMetadata(actor: "registrar:R-1"), idempotencyKey: "cmd-1")
/// for try await event in store.subscribe() { … }
/// await store.close()
/// ```
public final class LMDBEventStore: ImportableEventStore {
    /// How commits reach the disk.
    public enum Durability: Sendable, Hashable {
        /// Every commit is fsynced before its callers return. The default.
        case fsyncEveryCommit
        /// No fsync per commit: much faster bulk loads, but an operating-system crash or power loss can
        /// lose the most recent commits (the store stays consistent, ending at an earlier commit).
        /// Use for imports and benchmarks, then call ``LMDBEventStore/flush()``.
        case noFsyncMayLoseRecentCommitsOnPowerLoss
    }

    /// How a store is opened.
    public struct Options: Sendable {
        /// The initial map size in bytes; the map doubles whenever it fills. Default 256 MiB.
        public var initialMapSize: Int = 256 << 20
        /// Durability of commits. Default ``Durability/fsyncEveryCommit``.
        public var durability: Durability = .fsyncEveryCommit
        /// The source of recorded (transaction) times. Default: the system clock.
        public var clock: any DocketClock = SystemClock()
        /// Where the store logs map growth and failed batches.
        public var logger = Logger(label: "docket.lmdb")
        /// How often a live subscription re-reads the log when nothing was appended in this process
        /// (to see appends by other processes). Default 200 ms.
        public var pollInterval: Duration = .milliseconds(200)
        /// The most appends committed together in one transaction. Default 4096.
        public var maxBatch: Int = 4096
        /// Whether to create the directory and store when missing. Default `true`.
        public var createIfMissing = true
        /// LMDB reader slots (concurrent read transactions across processes). Default 256.
        public var maxReaders: UInt32 = 256
        /// The most projections (reactions included) this process opens in the store (default 32;
        /// each uses two LMDB databases, and LMDB sizes every transaction by the total).
        public var maxProjections = 32
        /// How many of the newest events may wait, indexed in memory, before their stream index,
        /// heads and idempotency entries are written to disk in one sorted pass (the flush happens in
        /// the commit that reaches the threshold, so the tail can exceed it by one batch). Larger
        /// values make durable appends cheaper; the tail is rebuilt from the log when the store opens
        /// and after another process's appends (about this many record reads), and readers in a
        /// process that does not write re-read the headers of the tail's newer records on each read.
        /// Default 16,384.
        public var indexFlushThreshold = 16_384

        /// The default options.
        public init() {}
    }

    /// The store's directory.
    public let path: String
    let env: Environment
    let writer: Writer
    private let signal: CommitSignal
    private let options: Options
    private let readerTail = ReaderTail()
    /// The most projections this store opens (``Options/maxProjections``).
    var maxProjections: Int { options.maxProjections }
    /// Row databases of projections opened in this process, by projection name.
    let projectionHandles = Mutex<[String: ProjectionDatabases]>([:])

    /// Opens the store in `path`, creating it when missing (unless
    /// ``Options/createIfMissing`` is `false`), and clears reader slots left by dead processes. A
    /// damaged record in the unindexed tail does not stop the store from opening (so that `verify`
    /// can name it); it is logged, and appends fail until it is repaired.
    /// - Throws: `DocketError` with code `DocketError.Code.storeUnavailable` (missing, not a
    ///   directory, no permission) or `DocketError.Code.unsupportedFormat`.
    public init(path: String, options: Options = Options()) throws {
        self.path = path
        self.options = options
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw DocketError(.storeUnavailable, "\(path) exists and is not a directory; a store is a directory")
            }
        } else if options.createIfMissing {
            do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
                throw DocketError(.storeUnavailable, "cannot create the store directory \(path): \(error.localizedDescription)")
            }
        } else {
            throw DocketError(.storeUnavailable, "no store at \(path)")
        }
        if !options.createIfMissing, !FileManager.default.fileExists(atPath: path + "/data.mdb") {
            throw DocketError(.storeUnavailable, "\(path) holds no store (no data.mdb)")
        }
        var flags: EnvironmentFlags = [.noTLS]
        if options.durability == .noFsyncMayLoseRecentCommitsOnPowerLoss { flags.insert(.noSync) }
        do {
            env = try Environment(
                path: path, mapSize: options.initialMapSize, maxReaders: options.maxReaders, maxProjections: options.maxProjections, flags: flags)
            try env.openDatabases()
            try Self.checkFormat(env, clock: options.clock)
        } catch {
            throw publicError(error)
        }
        if env.staleReadersCleared > 0 {
            options.logger.notice("cleared reader slots of dead processes", metadata: ["count": "\(env.staleReadersCleared)"])
        }
        // The tail of the index (events after the last flush) is read from the log once, for the
        // writer and for this process's readers.
        let tail = TailIndex()
        let last: LogPosition
        do {
            last = try env.read { txn in try txn.lastPosition() }
        } catch {
            throw publicError(error)
        }
        do {
            _ = try env.read { txn in try tail.prepare(txn) }
            readerTail.replace(with: tail)
        } catch {
            // A damaged record in the tail: the store still opens, so that `verify` can name it;
            // readers read the tail from the log, and appends fail until it is repaired.
            options.logger.error("cannot index the tail of the log", metadata: ["path": "\(path)", "error": "\(publicError(error))"])
        }
        signal = CommitSignal(last: last)
        writer = Writer(
            env: env, clock: options.clock, signal: signal, logger: options.logger, maxBatch: options.maxBatch,
            tail: tail, readerTail: readerTail, flushThreshold: Swift.max(1, options.indexFlushThreshold))
    }

    deinit {
        writer.stopSoon()
    }

    /// How many LMDB reader slots left by dead processes were cleared when this store opened.
    public var staleReaderSlotsCleared: Int { env.staleReadersCleared }

    private static func checkFormat(_ env: Environment, clock: any DocketClock) throws {
        try env.write { txn in
            if let raw = try Keys.metaFormat.withUnsafeBytes({ try txn.get(txn.dbs.meta, $0) }) {
                let version = raw.count == 4 ? UInt32(bigEndian: raw.loadUnaligned(as: UInt32.self)) : 0
                guard version == UInt32(RecordCodec.formatVersion) else {
                    throw DocketError(.unsupportedFormat, "the store has format version \(version); this build reads version \(RecordCodec.formatVersion)")
                }
            } else {
                try Keys.metaFormat.withUnsafeBytes { k in
                    try withUnsafeBytes(of: UInt32(RecordCodec.formatVersion).bigEndian) { try txn.put(txn.dbs.meta, k, $0) }
                }
                try Keys.metaCreated.withUnsafeBytes { k in
                    try withUnsafeBytes(of: clock.now().millisecondsSinceEpoch.bigEndian) { try txn.put(txn.dbs.meta, k, $0) }
                }
            }
            // Write-behind indexing starts from here: a store without `indexed` was indexed in full.
            if try Keys.metaIndexed.withUnsafeBytes({ try txn.get(txn.dbs.meta, $0) }) == nil {
                try txn.putIndexed(try txn.chainHead().position)
            }
        }
    }

    /// Finishes queued appends, writes the in-memory tail of the index to disk, then stops the
    /// writer. Appends after this throw `DocketError.Code.storeClosed`. The environment closes
    /// when the last reference goes.
    public func close() async {
        do {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in writer.submit(.flushIndex(c)) }
        } catch {
            // Nothing is lost: the tail is rebuilt from the log when the store next opens.
            options.logger.warning("could not write the index tail at close", metadata: ["error": "\(error)"])
        }
        await writer.stop()
        if options.durability == .noFsyncMayLoseRecentCommitsOnPowerLoss { try? env.sync() }
    }

    /// Forces everything committed so far to disk (for stores opened without per-commit fsync). It
    /// does not write the in-memory index tail to the index databases; `close()` does.
    public func flush() async throws {
        do { try env.sync() } catch { throw publicError(error) }
    }

    @discardableResult
    public func append(_ request: AppendRequest) async throws -> AppendResult {
        // Validation and the fingerprint run here, on the caller's task; the writer only decides.
        let prepared = PreparedAppend(request)
        if let invalid = prepared.invalid { throw invalid }
        // Unsafe (unchecked) continuation: the writer resumes each exactly once, on every path
        // (commit, failure, or a stopped writer), and the check costs on the hottest path.
        return try await withUnsafeThrowingContinuation { c in writer.submit(.append(prepared, c)) }
    }

    public func appendResult(forIdempotencyKey key: String) async throws -> AppendResult? {
        // The newest keys live in the writer's in-memory tail: ask the writer.
        try await withCheckedThrowingContinuation { c in writer.submit(.lookupIdempotency(key, c)) }
    }

    /// Runs reads in one snapshot, converting storage failures to `DocketError`.
    func read<R>(_ body: (Transaction) throws -> R) throws -> R {
        do { return try env.read(body) } catch { throw publicError(error) }
    }

    public func readStream(_ stream: StreamID, from version: StreamVersion, direction: ReadDirection, limit: Int) async throws -> [RecordedEvent] {
        guard limit > 0 else { return [] }
        return try read { txn in
            let (head, tail) = try streamView(stream, in: txn)
            guard let head else { return [] }
            let versions = direction.versions(from: version, limit: limit, last: head.version)
            var out: [RecordedEvent] = []
            out.reserveCapacity(versions.count)
            // Forward reads walk the stream's run of index entries with one cursor.
            var indexed: [LogPosition] = []
            let firstIndexed = versions.first ?? .none
            if direction == .forward, tail?.position(of: firstIndexed) == nil {
                indexed = try txn.indexedPositions(of: stream, from: firstIndexed, count: versions.count)
            }
            for v in versions {
                let offset = v.value &- firstIndexed.value  // wraps past the count for versions before the first
                let walked = offset < UInt64(indexed.count) ? indexed[Int(offset)] : nil
                guard let position = try tail?.position(of: v) ?? walked ?? txn.indexedPosition(of: stream, version: v),
                    let event = try txn.record(at: position)
                else {
                    throw DocketError(.corruptRecord, "stream \(stream) has head version \(head.version) but no record for version \(v)")
                }
                out.append(event)
            }
            return out
        }
    }

    public func readLog(after position: LogPosition, limit: Int) async throws -> [RecordedEvent] {
        try await readLog(after: position, limit: limit, payloads: true)
    }

    public func readLog(after position: LogPosition, limit: Int, payloads: Bool) async throws -> [RecordedEvent] {
        try readEvents(after: position, limit: limit, cache: RecordCodec.DecodeCache(skipPayloads: !payloads)).events
    }

    /// Reads a batch with its payloads packed in one buffer (``EventBatch/isPacked``), unless
    /// `payloads` is false.
    public func readBatch(after position: LogPosition, limit: Int, payloads: Bool) async throws -> EventBatch {
        // The batch's type and stream tables are built as the records are decoded.
        let cache = RecordCodec.DecodeCache(skipPayloads: !payloads, packsPayloads: payloads, tables: EventBatch.Tables(expected: Swift.min(limit, 4_096)))
        let (events, decoded) = try readEvents(after: position, limit: limit, cache: cache)
        let tables = decoded.tables!
        guard payloads else { return EventBatch(events: events, tables: tables) }
        return EventBatch(packed: events, payloadBytes: decoded.packedPayloads, payloadEnds: decoded.packedEnds, tables: tables)
    }

    /// Up to `limit` events after `position`, decoded with `cache` (returned, with what it packed).
    private func readEvents(after position: LogPosition, limit: Int, cache: RecordCodec.DecodeCache) throws -> (events: [RecordedEvent], cache: RecordCodec.DecodeCache) {
        guard limit > 0 else { return ([], cache) }
        var low = UInt.max, high = UInt.min
        let out = try read { txn in
            var out: [RecordedEvent] = []
            out.reserveCapacity(Swift.min(limit, 4096))
            var cache = cache
            // Packed payloads: room for the first 1,024 at a few hundred bytes each, then, once as
            // many are read, for the rest of the limit at the size seen so far. A live catch-up that
            // reads a few events of a large limit reserves little; a full batch grows its buffer once.
            let firstPart = 1_024
            if cache.packsPayloads {
                cache.packedPayloads.reserveCapacity(Swift.min(limit, firstPart) * 320)
                cache.packedEnds.reserveCapacity(Swift.min(limit, firstPart))
            }
            try Keys.withPosition(position.next) { start in
                try txn.scan(txn.dbs.events, from: start) { key, value in
                    let p = LogPosition(Keys.readUInt64BE(key))
                    out.append(try RecordCodec.decode(value, expectedPosition: p, cache: &cache))
                    let address = UInt(bitPattern: value.baseAddress)
                    low = Swift.min(low, address)
                    high = Swift.max(high, address + UInt(value.count))
                    if cache.packsPayloads, out.count == firstPart, limit > firstPart {
                        let expected = Swift.min(limit, 65_536)
                        cache.packedPayloads.reserveCapacity(cache.packedPayloads.count / firstPart * expected * 9 / 8)
                        cache.packedEnds.reserveCapacity(expected)
                    }
                    return out.count < limit
                }
            }
            return (out, cache)
        }
        // Large pages of the log are released like a scan's, so that reading the whole log page by
        // page (a projection catching up) does not grow resident memory with the log's length.
        if out.0.count >= 1_024, low < high { env.releaseMapped(low...high) }
        return out
    }

    /// Calls `body` with every event after `position`, in order, decoding each in turn, in read
    /// snapshots of up to `pageSize` events. The fastest way to scan the log: no arrays are built.
    ///
    /// After each snapshot the scan releases its mapping of the pages it read (they stay in the
    /// operating system's page cache), so a scan does not grow the process's resident memory in
    /// proportion to the log's length.
    /// - Returns: the position of the last event seen.
    @discardableResult
    public func scan(after position: LogPosition, pageSize: Int = 16_384, _ body: (RecordedEvent) throws -> Void) throws -> LogPosition {
        var last = position
        while true {
            let before = last
            var low = UInt.max, high = UInt.min
            var cache = RecordCodec.DecodeCache()
            try read { txn in
                var n = 0
                try Keys.withPosition(last.next) { start in
                    try txn.scan(txn.dbs.events, from: start) { key, value in
                        let p = LogPosition(Keys.readUInt64BE(key))
                        try body(try RecordCodec.decode(value, expectedPosition: p, cache: &cache))
                        let address = UInt(bitPattern: value.baseAddress)
                        low = Swift.min(low, address)
                        high = Swift.max(high, address + UInt(value.count))
                        last = p
                        n += 1
                        return n < pageSize
                    }
                }
            }
            if low < high { env.releaseMapped(low...high) }
            if last == before { return last }
        }
    }

    public func lastPosition() async throws -> LogPosition {
        try read { txn in try txn.lastPosition() }
    }

    public func chainHead() async throws -> ChainHead {
        try read { txn in try txn.chainHead() }
    }

    public func head(of stream: StreamID) async throws -> StreamHead? {
        try read { txn in try streamView(stream, in: txn).head }
    }

    /// A stream's head and its events in the unindexed tail, in one snapshot: from this process's
    /// published tail when it matches the snapshot, otherwise read from the snapshot's log.
    private func streamView(_ stream: StreamID, in txn: Transaction) throws -> (head: StreamHead?, tail: TailStream?) {
        let indexed = try txn.indexedThrough()
        let last = try txn.lastPosition()
        var tail: TailStream?
        if last > indexed {
            switch readerTail.lookup(stream, indexed: indexed, through: last) {
            case .complete(let t): tail = t
            case .until(let known, let t):
                let later = try txn.scanTail(of: stream, after: known)
                tail = t.map { $0.followed(by: later) } ?? later
            case .unknown: tail = try txn.scanTail(of: stream, after: indexed)
            }
        }
        if let tail { return (tail.head, tail) }
        return (try txn.head(of: stream), nil)
    }

    public func waitForEvents(after position: LogPosition) async throws {
        try await signal.wait(after: position, timeout: options.pollInterval)
    }

    public func verify() async throws -> VerificationReport {
        try read { txn in
            var report = try LogVerifier.verify(LMDBLogReader(txn: txn))
            if report.problem == nil { report.problem = try Self.verifyIdempotencyIndex(txn) }
            return report
        }
    }

    /// Every entry of the idempotency index must point, within the indexed log, at the first record
    /// of the command with that key.
    private static func verifyIdempotencyIndex(_ txn: Transaction) throws -> VerificationProblem? {
        let indexed = try txn.indexedThrough()
        var problem: VerificationProblem?
        try txn.scan(txn.dbs.idempotency, from: nil) { key, value in
            let id = String(decoding: key, as: UTF8.self)
            guard value.count == 8 else {
                problem = VerificationProblem(kind: .idempotencyIndexMismatch, position: nil, detail: "the entry of \(id.debugDescription) is \(value.count) bytes, not 8")
                return false
            }
            let p = LogPosition(Keys.readUInt64BE(value))
            let here = p <= indexed ? try txn.record(at: p) : nil
            let before = p > .first ? try txn.record(at: LogPosition(p.value - 1)) : nil
            guard let here, here.commandID.map({ $0.utf8.elementsEqual(id.utf8) }) == true,
                before?.commandID.map({ $0.utf8.elementsEqual(id.utf8) }) != true
            else {
                problem = VerificationProblem(
                    kind: .idempotencyIndexMismatch, position: p,
                    detail: "the idempotency index points command \(id.debugDescription) at \(p), which is not the first record of that command in the indexed log")
                return false
            }
            return true
        }
        return problem
    }

    public func importRecords(_ records: [RecordedEvent]) async throws {
        guard !records.isEmpty else { return }
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            writer.submit(.importRecords(records, c))
        }
    }

    /// What this store's writer has done since it opened: how appends were grouped into commits and
    /// where the time went. Averages tell how well group commit works under the current load.
    public struct WriteStatistics: Sendable, Hashable {
        /// Write transactions committed for appends.
        public var commits: UInt64 = 0
        /// Append requests in committed transactions (accepted, replayed, or refused for a version
        /// conflict or a reused key; malformed requests are refused before they reach the writer).
        public var appends: UInt64 = 0
        /// Events in those requests.
        public var events: UInt64 = 0
        /// The most requests committed together.
        public var largestBatch = 0
        /// Time spent checking and writing records inside transactions.
        public var buildTime: Duration = .zero
        /// Time an open transaction spent waiting for more appends to join it (group commit
        /// gathering the callers that the previous commit answered).
        public var gatherTime: Duration = .zero
        /// Time spent in LMDB's commit (writing pages and fsync) and the tail's bookkeeping after it.
        public var commitTime: Duration = .zero
        /// Times the in-memory tail of the index was written to disk.
        public var indexFlushes: UInt64 = 0
        /// Requests per commit, on average.
        public var averageBatch: Double { commits == 0 ? 0 : Double(appends) / Double(commits) }
    }

    /// Counters of the writer since the store opened.
    public var writeStatistics: WriteStatistics { writer.statistics }

    /// Facts about the store, for `docket info` and monitoring.
    public struct Info: Sendable, Hashable {
        /// Events in the log.
        public var events: UInt64
        /// Streams in the log.
        public var streams: UInt64
        /// Idempotency keys remembered.
        public var idempotencyKeys: UInt64
        /// The end of the hash chain.
        public var chainHead: ChainHead
        /// Events after the last index flush: indexed in memory, not yet in the index databases.
        public var unindexedEvents: UInt64
        /// The record format version.
        public var formatVersion: Int
        /// Bytes of the data file in use.
        public var usedBytes: Int
        /// The current map size in bytes.
        public var mapSize: Int
    }

    /// Counts and sizes of the store, the unindexed tail included.
    public func info() async throws -> Info {
        try read { txn in
            let indexed = try txn.indexedThrough()
            let chain = try txn.chainHead()
            guard indexed <= chain.position else {
                throw DocketError(.corruptRecord, "meta.indexed (\(indexed)) is past the end of the log (\(chain.position))")
            }
            // Streams and keys first seen in the tail are not in the index databases yet.
            var newStreams = Set<StreamID>()
            var newKeys = Set<ByteString>()
            if chain.position > indexed {
                try Keys.withPosition(indexed.next) { start in
                    try txn.scan(txn.dbs.events, from: start) { key, value in
                        let e = try RecordCodec.decode(value, expectedPosition: LogPosition(Keys.readUInt64BE(key)))
                        if try txn.head(of: e.stream) == nil { newStreams.insert(e.stream) }
                        if let k = e.commandID, try LMDBLogWriter(txn: txn).idempotencyEntry(for: k) == nil { newKeys.insert(ByteString(k)) }
                        return true
                    }
                }
            }
            return Info(
                events: try txn.count(txn.dbs.events), streams: try txn.count(txn.dbs.heads) + UInt64(newStreams.count),
                idempotencyKeys: try txn.count(txn.dbs.idempotency) + UInt64(newKeys.count), chainHead: chain,
                unindexedEvents: chain.position.value - indexed.value,
                formatVersion: Int(RecordCodec.formatVersion), usedBytes: env.usedBytes(), mapSize: env.mapSize)
        }
    }

    /// Drops this process's mapping of the store's pages. They stay in the operating system's page
    /// cache and are mapped again when next read, so nothing is lost and reads go on meanwhile;
    /// the process's resident memory then counts only the pages read since. Long batch jobs that
    /// read much of the store (a demo, an import followed by reports) call it now and then.
    public func releaseMappedPages() throws {
        do { try env.releaseWholeMap() } catch { throw publicError(error) }
    }

    /// Writes a consistent, compacted copy of the store into `directory` (which must exist and hold
    /// no store) while appends continue.
    public func backup(to directory: String) async throws {
        do { try env.copy(to: directory) } catch { throw publicError(error) }
    }
}

import CDocketLMDB
import DocketCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Flags for `mdb_env_open`; the C macros import as `Int32` while the functions take `UInt32`.
struct EnvironmentFlags: OptionSet {
    let rawValue: UInt32
    static let noTLS = EnvironmentFlags(rawValue: UInt32(MDB_NOTLS))
    static let noSync = EnvironmentFlags(rawValue: UInt32(MDB_NOSYNC))
}

/// The named databases of a Docket store (see `Specs/format.md`).
struct Databases {
    var events: MDB_dbi = 0
    var streams: MDB_dbi = 0
    var heads: MDB_dbi = 0
    var idempotency: MDB_dbi = 0
    var meta: MDB_dbi = 0
    var timers: MDB_dbi = 0
    var timerIDs: MDB_dbi = 0
    var projections: MDB_dbi = 0
}

/// An LMDB environment: one directory holding `data.mdb` and `lock.mdb`.
///
/// `@unchecked Sendable`: LMDB documents the environment handle as safe to share between threads.
/// Transactions are created per call and never leave the closure that uses them; the map-size
/// changes that LMDB requires to happen with no transaction active in the process are guarded by
/// `gate`, a reader/writer lock that every transaction holds shared and a resize holds exclusive.
final class Environment: @unchecked Sendable {
    let handle: OpaquePointer
    private(set) var dbs = Databases()
    let path: String
    private let gate: UnsafeMutablePointer<pthread_rwlock_t>

    init(path: String, mapSize: Int, maxReaders: UInt32, maxProjections: Int, flags: EnvironmentFlags) throws(LMDBError) {
        var env: OpaquePointer?
        try lmdbCheck(mdb_env_create(&env), "mdb_env_create")
        guard let env else { throw LMDBError(code: ENOMEM, operation: "mdb_env_create") }
        self.handle = env
        self.path = path
        gate = .allocate(capacity: 1)
        var attr = pthread_rwlockattr_t()
        pthread_rwlockattr_init(&attr)
        // Prefer the (rare) resize over new readers, so a stream of reads cannot starve it.
        pthread_rwlockattr_setkind_np(&attr, Int32(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP))
        pthread_rwlock_init(gate, &attr)
        pthread_rwlockattr_destroy(&attr)
        do {
            try lmdbCheck(mdb_env_set_maxdbs(env, Self.databases(maxProjections: maxProjections)), "mdb_env_set_maxdbs")
            try lmdbCheck(mdb_env_set_maxreaders(env, maxReaders), "mdb_env_set_maxreaders")
            try lmdbCheck(mdb_env_set_mapsize(env, mapSize), "mdb_env_set_mapsize")
            try lmdbCheck(mdb_env_open(env, path, flags.rawValue, 0o644), "mdb_env_open(\(path))")
            var dead: Int32 = 0
            try lmdbCheck(mdb_reader_check(env, &dead), "mdb_reader_check")
            self.staleReadersCleared = Int(dead)
        } catch {
            mdb_env_close(env)
            pthread_rwlock_destroy(gate)
            gate.deallocate()
            throw error
        }
    }

    /// Named databases an environment holds: the log's eight and two per projection. (LMDB sizes
    /// every transaction by this number, so it is kept to what the store needs.)
    static func databases(maxProjections: Int) -> UInt32 { UInt32(8 + 2 * Swift.max(0, maxProjections)) }

    /// Reader slots of dead processes cleared when the environment opened.
    private(set) var staleReadersCleared = 0

    deinit {
        mdb_env_close(handle)
        pthread_rwlock_destroy(gate)
        gate.deallocate()
    }

    /// Opens (creating if needed) the named databases.
    func openDatabases() throws {
        dbs = try write { txn in
            var d = Databases()
            d.events = try txn.openDatabase("events")
            d.streams = try txn.openDatabase("streams")
            d.heads = try txn.openDatabase("heads")
            d.idempotency = try txn.openDatabase("idempotency")
            d.meta = try txn.openDatabase("meta")
            d.timers = try txn.openDatabase("timers")
            d.timerIDs = try txn.openDatabase("timer-ids")
            d.projections = try txn.openDatabase("projections")
            return d
        }
    }

    var mapSize: Int {
        var info = MDB_envinfo()
        mdb_env_info(handle, &info)
        return info.me_mapsize
    }

    /// Grows the map to at least `minimum` bytes (doubling), or adopts a size another process set
    /// (`minimum == 0`). Waits for every transaction of this process to end.
    func resize(atLeast minimum: Int) throws(LMDBError) {
        pthread_rwlock_wrlock(gate)
        defer { pthread_rwlock_unlock(gate) }
        if minimum == 0 {
            try lmdbCheck(mdb_env_set_mapsize(handle, 0), "mdb_env_set_mapsize(adopt)")
            return
        }
        let current = mapSize
        guard current < minimum else { return }  // another thread already grew it
        var size = current
        while size < minimum { size *= 2 }
        try lmdbCheck(mdb_env_set_mapsize(handle, size), "mdb_env_set_mapsize(\(size))")
    }

    /// Runs `body` in a read-only transaction on the calling thread.
    func read<R>(_ body: (borrowing Transaction) throws -> R) throws -> R {
        while true {
            pthread_rwlock_rdlock(gate)
            var txn: OpaquePointer?
            let rc = mdb_txn_begin(handle, nil, UInt32(MDB_RDONLY), &txn)
            if rc == MDB_MAP_RESIZED {
                pthread_rwlock_unlock(gate)
                try resize(atLeast: 0)
                continue
            }
            defer { pthread_rwlock_unlock(gate) }
            try lmdbCheck(rc, "mdb_txn_begin(read)")
            guard let txn else { throw LMDBError(code: EINVAL, operation: "mdb_txn_begin(read)") }
            defer { mdb_txn_abort(txn) }
            return try body(Transaction(handle: txn, dbs: dbs))
        }
    }

    /// Runs `body` in a write transaction and commits it when `body` returns; aborts on a throw.
    /// Must be called from one thread at a time per process (the store's writer thread).
    func write<R>(_ body: (borrowing Transaction) throws -> R) throws -> R {
        while true {
            pthread_rwlock_rdlock(gate)
            var txn: OpaquePointer?
            let rc = mdb_txn_begin(handle, nil, 0, &txn)
            if rc == MDB_MAP_RESIZED {
                pthread_rwlock_unlock(gate)
                try resize(atLeast: 0)
                continue
            }
            defer { pthread_rwlock_unlock(gate) }
            try lmdbCheck(rc, "mdb_txn_begin(write)")
            guard let txn else { throw LMDBError(code: EINVAL, operation: "mdb_txn_begin(write)") }
            let result: R
            do {
                result = try body(Transaction(handle: txn, dbs: dbs))
            } catch {
                mdb_txn_abort(txn)
                throw error
            }
            do {
                try lmdbCheck(mdb_txn_commit(txn), "mdb_txn_commit")
            } catch {
                throw diagnose(error)
            }
            return result
        }
    }

    /// Flushes buffers to disk (`mdb_env_sync` with force), for stores opened without per-commit fsync.
    func sync() throws(LMDBError) {
        try lmdbCheck(mdb_env_sync(handle, 1), "mdb_env_sync")
    }

    /// Copies the environment to `directory` as a consistent snapshot, compacting free pages.
    func copy(to directory: String) throws(LMDBError) {
        try lmdbCheck(mdb_env_copy2(handle, directory, UInt32(MDB_CP_COMPACT)), "mdb_env_copy2(\(directory))")
    }

    /// Explains a failed write: LMDB reports a short write (a disk filling up mid-write) as `EIO`, so
    /// free space and the process's file-size limit are checked to tell a full disk from a failing one.
    func diagnose(_ error: LMDBError) -> LMDBError {
        guard error.code == EIO else { return error }
        let dataFile = path + "/data.mdb"
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_FSIZE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max,
            let size = (try? FileManager.default.attributesOfItem(atPath: dataFile)[.size]) as? UInt64,
            size + (1 << 20) >= UInt64(limit.rlim_cur)
        {
            return LMDBError(code: EFBIG, operation: error.operation + " (short write at the process's file-size limit of \(limit.rlim_cur) bytes)")
        }
        var fs = statvfs()
        if statvfs(path, &fs) == 0 {
            let free = UInt64(fs.f_bavail) * UInt64(fs.f_frsize)
            if free < 8 << 20 {
                return LMDBError(code: ENOSPC, operation: error.operation + " (short write with \(free) bytes free on the file system)")
            }
        }
        return error
    }

    /// Drops this process's mapping of the pages in `range` (they stay in the page cache; a later
    /// read maps them again). Used after a sequential scan so that it does not grow the resident set.
    func releaseMapped(_ range: ClosedRange<UInt>) {
        let page = UInt(sysconf(Int32(_SC_PAGESIZE)))
        let start = range.lowerBound & ~(page - 1)
        let end = (range.upperBound + page) & ~(page - 1)
        guard let pointer = UnsafeMutableRawPointer(bitPattern: start) else { return }
        madvise(pointer, Int(end - start), MADV_DONTNEED)
    }

    /// Drops this process's mapping of every used page of the data file. Done inside a read
    /// transaction, so the map cannot be resized (moved) meanwhile.
    func releaseWholeMap() throws {
        try read { _ in
            var info = MDB_envinfo()
            mdb_env_info(handle, &info)
            guard let base = info.me_mapaddr else { return }
            let used = UInt(usedBytes())
            guard used > 0 else { return }
            let start = UInt(bitPattern: base)
            releaseMapped(start...(start + used - 1))
        }
    }

    /// Size in bytes of the data file's used pages.
    func usedBytes() -> Int {
        var info = MDB_envinfo()
        var stat = MDB_stat()
        mdb_env_info(handle, &info)
        mdb_env_stat(handle, &stat)
        return (info.me_last_pgno + 1) * Int(stat.ms_psize)
    }
}

/// A transaction, valid only inside the closure that received it. Values returned by `get` point
/// into LMDB's map and are valid only until the transaction ends: copy what must outlive it.
struct Transaction {
    let handle: OpaquePointer
    let dbs: Databases

    func openDatabase(_ name: String) throws(LMDBError) -> MDB_dbi {
        var dbi: MDB_dbi = 0
        try lmdbCheck(mdb_dbi_open(handle, name, UInt32(MDB_CREATE), &dbi), "mdb_dbi_open(\(name))")
        return dbi
    }

    /// The value stored under `key`, or `nil`.
    func get(_ db: MDB_dbi, _ key: UnsafeRawBufferPointer) throws(LMDBError) -> UnsafeRawBufferPointer? {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val()
        let rc = mdb_get(handle, db, &k, &v)
        if rc == MDB_NOTFOUND { return nil }
        try lmdbCheck(rc, "mdb_get")
        return UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)
    }

    /// Stores `value` under `key`. `append` asserts the key sorts after every key in the database
    /// (LMDB refuses otherwise with `MDB_KEYEXIST`), so a log record is never overwritten.
    func put(_ db: MDB_dbi, _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, append: Bool = false) throws(LMDBError) {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try lmdbCheck(mdb_put(handle, db, &k, &v, append ? UInt32(MDB_APPEND) : 0), "mdb_put")
    }

    /// A copy of the database's last key, or `nil` when it is empty.
    func lastKey(_ db: MDB_dbi) throws(LMDBError) -> [UInt8]? {
        var cursor: OpaquePointer?
        try lmdbCheck(mdb_cursor_open(handle, db, &cursor), "mdb_cursor_open")
        defer { mdb_cursor_close(cursor) }
        var k = MDB_val()
        var v = MDB_val()
        let rc = mdb_cursor_get(cursor, &k, &v, MDB_LAST)
        if rc == MDB_NOTFOUND { return nil }
        try lmdbCheck(rc, "mdb_cursor_get")
        return Array(UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size))
    }

    /// Removes every entry of a database, keeping the database.
    func empty(_ db: MDB_dbi) throws(LMDBError) {
        try lmdbCheck(mdb_drop(handle, db, 0), "mdb_drop")
    }

    /// Deletes `key`; returns whether it existed.
    @discardableResult
    func delete(_ db: MDB_dbi, _ key: UnsafeRawBufferPointer) throws(LMDBError) -> Bool {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        let rc = mdb_del(handle, db, &k, nil)
        if rc == MDB_NOTFOUND { return false }
        try lmdbCheck(rc, "mdb_del")
        return true
    }

    /// Opens a cursor; in a write transaction LMDB closes it when the transaction ends.
    func openCursor(_ db: MDB_dbi) throws(LMDBError) -> OpaquePointer {
        var cursor: OpaquePointer?
        try lmdbCheck(mdb_cursor_open(handle, db, &cursor), "mdb_cursor_open")
        guard let cursor else { throw LMDBError(code: EINVAL, operation: "mdb_cursor_open") }
        return cursor
    }

    /// Stores through a cursor: when the key falls on the cursor's current page LMDB skips the
    /// descent from the root, which makes runs of nearby keys cheap.
    func put(cursor: OpaquePointer, _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, append: Bool = false) throws(LMDBError) {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try lmdbCheck(mdb_cursor_put(cursor, &k, &v, append ? UInt32(MDB_APPEND) : 0), "mdb_cursor_put")
    }

    /// Reserves `size` bytes for the value of `key` in the cursor's database (`MDB_RESERVE`) and
    /// returns them, to be filled before the next update in this transaction.
    func reserve(cursor: OpaquePointer, _ key: UnsafeRawBufferPointer, size: Int, append: Bool = false) throws(LMDBError) -> UnsafeMutableRawBufferPointer {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: size, mv_data: nil)
        try lmdbCheck(mdb_cursor_put(cursor, &k, &v, UInt32(MDB_RESERVE) | (append ? UInt32(MDB_APPEND) : 0)), "mdb_cursor_put")
        return UnsafeMutableRawBufferPointer(start: v.mv_data, count: size)
    }

    /// The number of entries in a database.
    func count(_ db: MDB_dbi) throws(LMDBError) -> UInt64 {
        var stat = MDB_stat()
        try lmdbCheck(mdb_stat(handle, db, &stat), "mdb_stat")
        return UInt64(stat.ms_entries)
    }

    /// Walks entries in key order starting at the first key `>= start` (or the first key when `start`
    /// is `nil`), until `body` returns `false` or the database ends.
    func scan(
        _ db: MDB_dbi, from start: UnsafeRawBufferPointer?,
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        var cursor: OpaquePointer?
        try lmdbCheck(mdb_cursor_open(handle, db, &cursor), "mdb_cursor_open")
        defer { mdb_cursor_close(cursor) }
        var k = MDB_val()
        var v = MDB_val()
        var rc: Int32
        if let start {
            k = MDB_val(mv_size: start.count, mv_data: UnsafeMutableRawPointer(mutating: start.baseAddress))
            rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE)
        } else {
            rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST)
        }
        while rc == 0 {
            let more = try body(UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size), UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
            if !more { return }
            rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)
        }
        if rc != MDB_NOTFOUND { try lmdbCheck(rc, "mdb_cursor_get") }
    }
}

import CBenchLMDB
import Foundation

/// Raw LMDB calls doing the same writes and reads as the store, as the baseline of every ratio.
/// Deliberately minimal: no encoding, no hashing, no indexes — the cost floor of the same bytes.
public final class RawLMDB {
    let env: OpaquePointer
    var dbi: MDB_dbi = 0

    /// Opens (creating) an environment at `path` with one named database `name`.
    public init(path: String, database name: String = "events", mapSize: Int = 4 << 30, readOnly: Bool = false) {
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        var e: OpaquePointer?
        precondition(mdb_env_create(&e) == 0)
        env = e!
        mdb_env_set_maxdbs(env, 16)
        mdb_env_set_mapsize(env, mapSize)
        precondition(mdb_env_open(env, path, UInt32(MDB_NOTLS), 0o644) == 0, "mdb_env_open \(path)")
        var txn: OpaquePointer?
        precondition(mdb_txn_begin(env, nil, readOnly ? UInt32(MDB_RDONLY) : 0, &txn) == 0)
        precondition(mdb_dbi_open(txn, name, readOnly ? 0 : UInt32(MDB_CREATE), &dbi) == 0, "mdb_dbi_open \(name)")
        precondition(mdb_txn_commit(txn) == 0)
    }

    deinit { mdb_env_close(env) }

    /// Writes `count` values of `value` under consecutive 8-byte big-endian keys after `start`,
    /// with MDB_APPEND, in one transaction committed with fsync.
    public func appendBatch(start: UInt64, count: Int, value: [UInt8]) {
        var txn: OpaquePointer?
        precondition(mdb_txn_begin(env, nil, 0, &txn) == 0)
        value.withUnsafeBytes { v in
            for i in 0..<UInt64(count) {
                var key = (start + i + 1).bigEndian
                withUnsafeMutableBytes(of: &key) { k in
                    var mk = MDB_val(mv_size: 8, mv_data: k.baseAddress)
                    var mv = MDB_val(mv_size: v.count, mv_data: UnsafeMutableRawPointer(mutating: v.baseAddress))
                    precondition(mdb_put(txn, dbi, &mk, &mv, UInt32(MDB_APPEND)) == 0)
                }
            }
        }
        precondition(mdb_txn_commit(txn) == 0)
    }

    /// Walks every value with a cursor, touching each value's first and last byte; returns the count.
    public func scan() -> Int {
        var txn: OpaquePointer?
        precondition(mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn) == 0)
        defer { mdb_txn_abort(txn) }
        var cursor: OpaquePointer?
        precondition(mdb_cursor_open(txn, dbi, &cursor) == 0)
        defer { mdb_cursor_close(cursor) }
        var k = MDB_val(), v = MDB_val()
        var n = 0
        var sum = 0
        var rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST)
        while rc == 0 {
            let bytes = UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)
            sum &+= Int(bytes[0]) &+ Int(bytes[bytes.count - 1])
            n += 1
            rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)
        }
        sink(sum)
        return n
    }

    /// Reads the values under each key of `keys` in one read transaction, copying each out.
    public func get(_ keys: [UInt64]) -> Int {
        var txn: OpaquePointer?
        precondition(mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn) == 0)
        defer { mdb_txn_abort(txn) }
        var bytes = 0
        for key in keys {
            var be = key.bigEndian
            withUnsafeMutableBytes(of: &be) { kb in
                var mk = MDB_val(mv_size: 8, mv_data: kb.baseAddress)
                var mv = MDB_val()
                precondition(mdb_get(txn, dbi, &mk, &mv) == 0)
                let copy = [UInt8](UnsafeRawBufferPointer(start: mv.mv_data, count: mv.mv_size))
                bytes += copy.count
            }
        }
        return bytes
    }
}

@inline(never)
public func sink<T>(_ value: T) { _ = value }

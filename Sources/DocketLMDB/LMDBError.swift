import CDocketLMDB
import DocketCore
#if canImport(Glibc)
import Glibc
#endif

/// A failed `mdb_*` call: its return code and what was being done. Internal; converted to
/// `DocketError` at the public API by ``LMDBError/docketError``.
struct LMDBError: Error, Sendable, CustomStringConvertible {
    let code: Int32
    let operation: String

    var isMapFull: Bool { code == MDB_MAP_FULL }
    var isMapResized: Bool { code == MDB_MAP_RESIZED }

    var description: String {
        let text = mdb_strerror(code).map { String(cString: $0) } ?? "error \(code)"
        return "\(operation): \(text) (\(code))"
    }

    /// The public error for this failure.
    var docketError: DocketError {
        switch code {
        case ENOSPC, EFBIG, EDQUOT:
            DocketError(.diskFull, "no room to write the store (\(self)); nothing of the failed commit was written", cause: self)
        case MDB_CORRUPTED, MDB_PAGE_NOTFOUND:
            DocketError(.corruptRecord, "the store's pages are damaged (\(self))", cause: self)
        case MDB_VERSION_MISMATCH, MDB_INVALID:
            DocketError(.unsupportedFormat, "not an LMDB store this build can read (\(self))", cause: self)
        case ENOENT, EACCES, EROFS, EAGAIN:
            DocketError(.storeUnavailable, "the store cannot be opened (\(self))", cause: self)
        case MDB_PANIC:
            DocketError(.storageFailure, "the store hit a fatal error and must be reopened (\(self))", cause: self)
        default:
            DocketError(.storageFailure, "\(self)", cause: self)
        }
    }
}

/// The one funnel every `mdb_*` return code goes through.
@inline(__always)
func lmdbCheck(_ rc: Int32, _ operation: @autoclosure () -> String) throws(LMDBError) {
    if rc != 0 { throw LMDBError(code: rc, operation: operation()) }
}

/// Converts any error thrown inside the LMDB layer to the public error type.
func publicError(_ error: any Error) -> any Error {
    if let e = error as? LMDBError { return e.docketError }
    return error
}

/// An error from Docket's storage or engine: the environment failed (disk full, corrupt record,
/// store locked), or the caller passed something that cannot be stored.
///
/// Errors are values with an extensible ``Code`` rather than a closed enum, so that new failure
/// kinds can be added without breaking callers' exhaustive switches.
public struct DocketError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's stable name.
        public let name: String
        init(_ name: String) { self.name = name }
        public var description: String { name }

        /// An argument cannot be stored (a stream id too long, a stream named twice in one append).
        public static let invalidArgument = Code("invalidArgument")
        /// A stored record or index entry cannot be decoded or does not match its hash.
        public static let corruptRecord = Code("corruptRecord")
        /// The store's format version is not one this build reads.
        public static let unsupportedFormat = Code("unsupportedFormat")
        /// An idempotency key was used again for a different request.
        public static let idempotencyKeyReused = Code("idempotencyKeyReused")
        /// The disk (or the process's file-size limit) has no room for the write; nothing was written.
        public static let diskFull = Code("diskFull")
        /// The store could not be opened: missing, not a store, locked or without permission.
        public static let storeUnavailable = Code("storeUnavailable")
        /// The store was closed before or while the operation ran.
        public static let storeClosed = Code("storeClosed")
        /// An NDJSON import line is malformed, out of order or breaks the hash chain.
        public static let importRejected = Code("importRejected")
        /// Any other failure of the storage engine; `message` says which.
        public static let storageFailure = Code("storageFailure")
        /// A projection's checkpoint moved under a runner (another runner of the same projection, or
        /// a rebuild swapped in): nothing was written; reload the status and go on.
        public static let checkpointConflict = Code("checkpointConflict")
        /// An event or command could not be encoded or decoded (unknown type, unsupported schema
        /// version, malformed payload).
        public static let codecFailure = Code("codecFailure")
        /// A fired timer was moved or cancelled before its command could be applied; nothing was
        /// written.
        public static let timerSuperseded = Code("timerSuperseded")
    }

    /// The kind of failure.
    public let code: Code
    /// A sentence a person can read, naming what failed and why.
    public let message: String
    /// The underlying error, if any.
    public let cause: (any Error & Sendable)?
    /// Where the error was raised, for diagnostics.
    public let file: String
    /// The line where the error was raised.
    public let line: UInt

    /// Creates an error.
    public init(
        _ code: Code, _ message: String, cause: (any Error & Sendable)? = nil,
        file: String = #fileID, line: UInt = #line
    ) {
        self.code = code
        self.message = message
        self.cause = cause
        self.file = file
        self.line = line
    }

    public var description: String {
        var text = "\(code): \(message)"
        if let cause { text += " (cause: \(cause))" }
        return text
    }
}

/// An append was refused because a stream was not at the version the caller expected.
/// Nothing of the request was appended.
public struct VersionConflict: Error, Sendable, Hashable, CustomStringConvertible {
    /// The stream whose version did not match.
    public let stream: StreamID
    /// What the caller expected.
    public let expected: ExpectedVersion
    /// The stream's version when the append was checked.
    public let actual: StreamVersion

    /// Creates a conflict.
    public init(stream: StreamID, expected: ExpectedVersion, actual: StreamVersion) {
        self.stream = stream
        self.expected = expected
        self.actual = actual
    }

    public var description: String {
        "wrong expected version for stream \(stream): expected \(expected), actual \(actual)"
    }
}

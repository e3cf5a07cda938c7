/// A SHA-256 digest, as stored in the hash chain. Thirty-two bytes held inline (no allocation).
public struct EventHash: Hashable, Sendable, CustomStringConvertible {
    // Four big-endian words, so that `bytes` reproduces the digest in order.
    var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    /// The hash before the first record of every log: 32 zero bytes.
    public static let genesis = EventHash(w0: 0, w1: 0, w2: 0, w3: 0)

    init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0; self.w1 = w1; self.w2 = w2; self.w3 = w3
    }

    /// Creates a hash from exactly 32 bytes; `nil` for any other count.
    public init?<C: Collection>(bytes: C) where C.Element == UInt8 {
        guard bytes.count == 32 else { return nil }
        var words = [UInt64](repeating: 0, count: 4)
        for (i, b) in bytes.enumerated() { words[i / 8] = words[i / 8] << 8 | UInt64(b) }
        self.init(w0: words[0], w1: words[1], w2: words[2], w3: words[3])
    }

    /// Creates a hash from exactly 32 bytes of memory; `nil` for any other count.
    @_spi(Storage) public init?(raw: UnsafeRawBufferPointer) {
        guard raw.count == 32 else { return nil }
        self.init(
            w0: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
            w1: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
            w2: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
            w3: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
    }

    /// Parses 64 hexadecimal digits; `nil` for anything else.
    public init?(hex: String) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 64 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(32)
        var i = 0
        while i < 64 {
            guard let hi = Self.nibble(utf8[i]), let lo = Self.nibble(utf8[i + 1]) else { return nil }
            bytes.append(hi << 4 | lo)
            i += 2
        }
        self.init(bytes: bytes)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The 32 bytes of the digest.
    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(32)
        for w in [w0, w1, w2, w3] {
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: w >> UInt64(shift))) }
        }
        return out
    }

    /// The digest as 64 lowercase hexadecimal digits.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { hex }
}

/// Who gave a command and how it relates to other commands; recorded on every event it produced.
public struct CommandMetadata: Hashable, Sendable {
    /// Who acted, as the application names them (for example `mediator:M-0017`). At most 200 UTF-8 bytes.
    public var actor: String
    /// Groups the commands and events of one business transaction. At most 200 UTF-8 bytes.
    public var correlationID: String?
    /// The command or event that caused this one. At most 200 UTF-8 bytes.
    public var causationID: String?

    /// Creates metadata.
    public init(actor: String, correlationID: String? = nil, causationID: String? = nil) {
        self.actor = actor
        self.correlationID = correlationID
        self.causationID = causationID
    }
}

/// An event to append: what happened, in the application's encoding, and when it happened.
public struct NewEvent: Hashable, Sendable {
    /// The event's type name, used to choose a decoder (for example `CaseRegistered`).
    public var type: String
    /// The version of the payload's schema, so that old events can be upcast when read.
    public var schemaVersion: UInt16
    /// The event's payload, encoded by the application.
    public var payload: [UInt8]
    /// When it happened in the world (valid time): the day an application was received, given by the
    /// command. The store records separately when it was recorded (transaction time).
    public var occurredAt: Timestamp

    /// Creates an event to append.
    public init(type: String, schemaVersion: UInt16 = 1, payload: [UInt8], occurredAt: Timestamp) {
        self.type = type
        self.schemaVersion = schemaVersion
        self.payload = payload
        self.occurredAt = occurredAt
    }
}

/// The events for one stream within an append, with the version that stream must be at.
public struct StreamAppend: Hashable, Sendable {
    /// The stream to append to.
    public var stream: StreamID
    /// The version the stream must be at; checked inside the write transaction.
    public var expected: ExpectedVersion
    /// The events, in order. At least one.
    public var events: [NewEvent]

    /// Creates the part of an append that concerns one stream.
    public init(stream: StreamID, expected: ExpectedVersion, events: [NewEvent]) {
        self.stream = stream
        self.expected = expected
        self.events = events
    }
}

/// One atomic append: events for one or more streams, all appended or none.
public struct AppendRequest: Hashable, Sendable {
    /// The streams and their events, appended in this order.
    public var streams: [StreamAppend]
    /// Actor, correlation and causation recorded on every event.
    public var metadata: CommandMetadata
    /// The command's unique id. A request whose key was already appended returns the first result
    /// and appends nothing. At most 200 UTF-8 bytes.
    public var idempotencyKey: String?
    /// Timer changes applied in the same transaction as the events, and only if they are appended
    /// (not when the request is refused or replayed). Not part of the idempotency fingerprint.
    public var timers: [TimerOperation]

    /// Creates an atomic append over several streams.
    public init(streams: [StreamAppend], metadata: CommandMetadata, idempotencyKey: String? = nil, timers: [TimerOperation] = []) {
        self.streams = streams
        self.metadata = metadata
        self.idempotencyKey = idempotencyKey
        self.timers = timers
    }

    /// Creates an append to one stream.
    public init(
        stream: StreamID, expected: ExpectedVersion, events: [NewEvent],
        metadata: CommandMetadata, idempotencyKey: String? = nil, timers: [TimerOperation] = []
    ) {
        self.init(
            streams: [StreamAppend(stream: stream, expected: expected, events: events)],
            metadata: metadata, idempotencyKey: idempotencyKey, timers: timers)
    }
}

/// What an append produced.
public struct AppendResult: Hashable, Sendable {
    /// The range a stream's new events occupy.
    public struct StreamRange: Hashable, Sendable {
        /// The stream.
        public var stream: StreamID
        /// The version of its first new event.
        public var firstVersion: StreamVersion
        /// The version of its last new event: the stream's version after the append.
        public var lastVersion: StreamVersion
        /// Creates a range.
        public init(stream: StreamID, firstVersion: StreamVersion, lastVersion: StreamVersion) {
            self.stream = stream
            self.firstVersion = firstVersion
            self.lastVersion = lastVersion
        }
    }

    /// The log position of the first event appended.
    public var firstPosition: LogPosition
    /// The log position of the last event appended. Positions in between belong to this append.
    public var lastPosition: LogPosition
    /// Each stream's new versions, in the request's order.
    public var streams: [StreamRange]
    /// `true` when the idempotency key had been appended before and this is the first result returned
    /// again; nothing was appended this time.
    public var isReplay: Bool

    /// Creates a result.
    public init(firstPosition: LogPosition, lastPosition: LogPosition, streams: [StreamRange], isReplay: Bool) {
        self.firstPosition = firstPosition
        self.lastPosition = lastPosition
        self.streams = streams
        self.isReplay = isReplay
    }
}

/// An event as stored in the log, with everything the record holds.
public struct RecordedEvent: Hashable, Sendable {
    /// Its position in the global log.
    public var position: LogPosition
    /// The stream it belongs to.
    public var stream: StreamID
    /// Its version within the stream.
    public var version: StreamVersion
    /// The event's type name.
    public var type: String
    /// The payload's schema version.
    public var schemaVersion: UInt16
    /// The payload bytes.
    public var payload: [UInt8]
    /// When it happened (valid time), as the command said.
    public var occurredAt: Timestamp
    /// When it was recorded (transaction time), from the store's clock.
    public var recordedAt: Timestamp
    /// Actor, correlation and causation of the command that produced it.
    public var metadata: CommandMetadata
    /// The idempotency key (command id) of the append that produced it, if it had one.
    public var commandID: String?
    /// The hash of the record before it (``EventHash/genesis`` for the first).
    public var previousHash: EventHash
    /// SHA-256 over this record's canonical bytes, which include `previousHash`.
    public var hash: EventHash

    /// Creates a recorded event. Normally produced by a store; public for tests and importers.
    public init(
        position: LogPosition, stream: StreamID, version: StreamVersion, type: String, schemaVersion: UInt16,
        payload: [UInt8], occurredAt: Timestamp, recordedAt: Timestamp, metadata: CommandMetadata,
        commandID: String?, previousHash: EventHash, hash: EventHash
    ) {
        self.position = position
        self.stream = stream
        self.version = version
        self.type = type
        self.schemaVersion = schemaVersion
        self.payload = payload
        self.occurredAt = occurredAt
        self.recordedAt = recordedAt
        self.metadata = metadata
        self.commandID = commandID
        self.previousHash = previousHash
        self.hash = hash
    }
}

import Foundation

/// An event as stored: its type name, schema version and payload bytes.
public struct EncodedEvent: Hashable, Sendable {
    /// The event's type name (for example `counter.incremented`).
    public var type: String
    /// The version of the payload's schema.
    public var schemaVersion: UInt16
    /// The payload.
    public var payload: [UInt8]

    /// Creates an encoded event.
    public init(type: String, schemaVersion: UInt16, payload: [UInt8]) {
        self.type = type
        self.schemaVersion = schemaVersion
        self.payload = payload
    }

    /// Encodes `value` as canonical JSON (keys sorted, so the same value always gives the same bytes).
    public static func json<T: Encodable>(_ type: String, version: UInt16 = 1, _ value: T) throws(DocketError) -> EncodedEvent {
        EncodedEvent(type: type, schemaVersion: version, payload: try JSONPayload.encode(value))
    }

    /// Encodes `value` in Docket's binary form (``BinaryPayload``): smaller and several times faster
    /// to write and read than JSON. Decoders registered with ``EventCodec/decoding(_:version:as:_:)``
    /// read either form.
    public static func binary<T: Encodable>(_ type: String, version: UInt16 = 1, _ value: T) throws(DocketError) -> EncodedEvent {
        EncodedEvent(type: type, schemaVersion: version, payload: try BinaryPayload.encode(value))
    }
}

/// Canonical JSON for payloads: sorted keys and no escaped slashes, so that the same value always
/// gives the same bytes. Foundation's default strategies apply otherwise: store instants as
/// ``Timestamp`` (an ISO 8601 string with milliseconds) rather than as `Date`.
public enum JSONPayload {
    // Shared: JSONEncoder and JSONDecoder are Sendable, and their options are not changed after this.
    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()
    private static let decoder = JSONDecoder()

    /// Encodes `value`.
    public static func encode<T: Encodable>(_ value: T) throws(DocketError) -> [UInt8] {
        do { return Array(try encoder.encode(value)) } catch {
            throw DocketError(.codecFailure, "cannot encode \(T.self) as JSON: \(error)")
        }
    }

    /// Decodes a `T` from `bytes`; `what` names the payload in the error.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], what: @autoclosure () -> String) throws(DocketError) -> T {
        try decode(T.self, from: bytes.span, what: what())
    }

    /// Decodes a `T` from the bytes `span` holds; `what` names the payload in the error.
    public static func decode<T: Decodable>(_ type: T.Type, from span: Span<UInt8>, what: @autoclosure () -> String) throws(DocketError) -> T {
        let data = span.withUnsafeBufferPointer { Data(buffer: $0) }
        do { return try decoder.decode(T.self, from: data) } catch {
            throw DocketError(.codecFailure, "cannot decode \(what()) as \(T.self): \(error)")
        }
    }
}

/// Maps events to stored bytes and back: an encoder for the event enum, a registry of decoders by
/// (type name, schema version), and upcasters that turn a payload of an old schema version into the
/// next one, so that events written years ago are read as today's events.
///
/// ```swift
/// let codec = EventCodec<CounterEvent> { event in
///     switch event {
///     case .incremented(let e): try .json("counter.incremented", version: 2, e)
///     case .reset: try .json("counter.reset", Empty())
///     }
/// }
/// .decoding("counter.incremented", version: 2, as: Incremented.self) { .incremented($0) }
/// .decoding("counter.reset", version: 1, as: Empty.self) { _ in .reset }
/// .upcasting("counter.incremented", from: 1, as: IncrementedV1.self, to: Incremented.self) { Incremented(by: $0.amount) }
/// ```
public struct EventCodec<Event: Sendable>: Sendable {
    struct Key: Hashable, Sendable {
        var type: String
        var version: UInt16
    }

    private let encoder: @Sendable (Event) throws -> EncodedEvent
    private var decoders: [Key: @Sendable ([UInt8]) throws -> Event] = [:]
    /// Decoders that read a payload in place (`decode(type:schemaVersion:payload:)` with a `Span`):
    /// those registered with a payload type.
    private var spanDecoders: [Key: @Sendable (Span<UInt8>) throws -> Event] = [:]
    private var upcasters: [Key: @Sendable (EncodedEvent) throws -> EncodedEvent] = [:]
    private var renderers: [Key: @Sendable ([UInt8]) throws -> [UInt8]] = [:]

    /// Creates a codec with the function that encodes each event (an exhaustive `switch`).
    public init(encode: @escaping @Sendable (Event) throws -> EncodedEvent) {
        self.encoder = encode
    }

    /// Registers the decoder of `type` at `version`.
    public func decoding(_ type: String, version: UInt16 = 1, _ decode: @escaping @Sendable ([UInt8]) throws -> Event) -> Self {
        var copy = self
        copy.decoders[Key(type: type, version: version)] = decode
        copy.spanDecoders[Key(type: type, version: version)] = nil
        return copy
    }

    /// Registers a decoder of `type` at `version` for payloads in JSON or the binary form (told apart
    /// by their first byte, ``Payload``): the payload decodes as `Payload`, which `make` turns into
    /// the event.
    public func decoding<Payload: Decodable & SendableMetatype>(
        _ type: String, version: UInt16 = 1, as payload: Payload.Type, _ make: @escaping @Sendable (Payload) -> Event
    ) -> Self {
        var copy = decoding(type, version: version) { bytes in
            make(try DocketCore.Payload.decode(Payload.self, from: bytes, what: "event \(type) v\(version)"))
        }
        copy.spanDecoders[Key(type: type, version: version)] = { span in
            make(try DocketCore.Payload.decode(Payload.self, from: span, what: "event \(type) v\(version)"))
        }
        if let encodable = Payload.self as? any (Encodable & Decodable & SendableMetatype).Type {
            copy.renderers[Key(type: type, version: version)] = { bytes in try Self.render(encodable, bytes, what: "event \(type) v\(version)") }
        }
        return copy
    }

    /// Registers a decoder of `type` at `version` for payloads in JSON or the binary form, as the
    /// overload for any `Decodable` payload does; chosen for a ``BinaryCodable`` payload, whose
    /// binary form it reads with the hand-written coder without looking the conformance up for
    /// every event.
    public func decoding<Payload: BinaryCodable & SendableMetatype>(
        _ type: String, version: UInt16 = 1, as payload: Payload.Type, _ make: @escaping @Sendable (Payload) -> Event
    ) -> Self {
        var copy = decoding(type, version: version) { bytes in
            make(try DocketCore.Payload.decode(Payload.self, from: bytes, what: "event \(type) v\(version)"))
        }
        copy.spanDecoders[Key(type: type, version: version)] = { span in
            make(try DocketCore.Payload.decode(Payload.self, from: span, what: "event \(type) v\(version)"))
        }
        copy.renderers[Key(type: type, version: version)] = { bytes in try Self.render(Payload.self, bytes, what: "event \(type) v\(version)") }
        return copy
    }

    private static func render<P: Encodable & Decodable & SendableMetatype>(_ type: P.Type, _ bytes: [UInt8], what: String) throws -> [UInt8] {
        try JSONPayload.encode(try DocketCore.Payload.decode(P.self, from: bytes, what: what))
    }

    /// An event's payload as JSON text for people (audits, `docket case history`): decoded with the
    /// payload type registered for its event type and version and printed as canonical JSON (instants
    /// as ISO 8601), whichever form it is stored in. An event of a type this codec does not know is
    /// printed as stored (JSON), or converted without its type (``BinaryPayload/jsonText(_:)``).
    public func readableJSON(of event: RecordedEvent) -> String {
        if let render = renderers[Key(type: event.type, version: event.schemaVersion)], let json = try? render(event.payload) {
            return String(decoding: json, as: UTF8.self)
        }
        if BinaryPayload.isBinary(event.payload), let text = try? BinaryPayload.jsonText(event.payload) { return text }
        return String(decoding: event.payload, as: UTF8.self)
    }

    /// Registers an upcaster: a stored `type` at schema version `from` becomes the event it returns
    /// (usually the same type at `from + 1`), and decoding goes on from there.
    public func upcasting(_ type: String, from version: UInt16, _ upcast: @escaping @Sendable (EncodedEvent) throws -> EncodedEvent) -> Self {
        var copy = self
        copy.upcasters[Key(type: type, version: version)] = upcast
        return copy
    }

    /// Registers an upcaster from `Old` at version `from` to `New` at `from + 1` (the stored payload in
    /// JSON or the binary form; the upcast one in the binary form).
    public func upcasting<Old: Decodable & SendableMetatype, New: Encodable & SendableMetatype>(
        _ type: String, from version: UInt16, as old: Old.Type, to new: New.Type, _ convert: @escaping @Sendable (Old) throws -> New
    ) -> Self {
        upcasting(type, from: version) { stored in
            let value = try Payload.decode(Old.self, from: stored.payload, what: "event \(type) v\(version)")
            return try EncodedEvent.binary(type, version: version + 1, try convert(value))
        }
    }

    /// Encodes an event.
    /// - Throws: ``DocketError`` with ``DocketError/Code/codecFailure``.
    public func encode(_ event: Event) throws(DocketError) -> EncodedEvent {
        do { return try encoder(event) } catch let e as DocketError { throw e } catch {
            throw DocketError(.codecFailure, "cannot encode event \(event): \(error)")
        }
    }

    /// Decodes a stored event, applying upcasters from old schema versions.
    /// - Throws: ``DocketError`` with ``DocketError/Code/codecFailure`` for an unknown type, a schema
    ///   version with neither a decoder nor an upcaster, or a malformed payload.
    public func decode(type: String, schemaVersion: UInt16, payload: [UInt8]) throws(DocketError) -> Event {
        var current = EncodedEvent(type: type, schemaVersion: schemaVersion, payload: payload)
        var steps = 0
        while true {
            let key = Key(type: current.type, version: current.schemaVersion)
            if let decode = decoders[key] {
                do { return try decode(current.payload) } catch {
                    throw Self.decodingFailure(error, type: current.type, version: current.schemaVersion)
                }
            }
            guard let upcast = upcasters[key], steps < 1000 else {
                let known = decoders.keys.filter { $0.type == current.type }.map { "v\($0.version)" }.sorted()
                throw DocketError(
                    .codecFailure,
                    known.isEmpty
                        ? "unknown event type \(current.type.debugDescription) (schema version \(current.schemaVersion))"
                        : "event type \(current.type) has no decoder or upcaster for schema version \(current.schemaVersion) (decoders: \(known.joined(separator: ", ")))")
            }
            do { current = try upcast(current) } catch let e as DocketError { throw e } catch {
                throw DocketError(.codecFailure, "upcasting event \(current.type) v\(current.schemaVersion) failed: \(error)")
            }
            steps += 1
        }
    }

    /// Decodes a recorded event.
    public func decode(_ event: RecordedEvent) throws(DocketError) -> Event {
        try decode(type: event.type, schemaVersion: event.schemaVersion, payload: event.payload)
    }

    /// Decodes a stored event whose payload `payload` holds, as the variant taking an array does: a
    /// payload of a type and version registered with a payload type (`decoding(_:version:as:_:)`)
    /// is read in place; any other (a decoder given as a function, an upcast) is copied
    /// out first.
    public func decode(type: String, schemaVersion: UInt16, payload: Span<UInt8>) throws(DocketError) -> Event {
        try decoder(type: type, schemaVersion: schemaVersion).decode(payload)
    }

    /// The decoder of events of `type` at `schemaVersion`, looked up once to decode many (a batch's
    /// events of one type, ``EventBatch/types``).
    public func decoder(type: String, schemaVersion: UInt16) -> TypeDecoder {
        let inPlace = spanDecoders[Key(type: type, version: schemaVersion)]
        // The codec is kept only for payloads it must copy out: a copy of the decoder then retains
        // the closure and the type, not the codec's tables as well.
        return TypeDecoder(type: type, schemaVersion: schemaVersion, inPlace: inPlace, codec: inPlace == nil ? self : nil)
    }

    /// The decoder of one stored event type at one schema version (``decoder(type:schemaVersion:)``).
    public struct TypeDecoder: Sendable {
        /// The event type.
        public let type: String
        /// The schema version.
        public let schemaVersion: UInt16
        let inPlace: (@Sendable (Span<UInt8>) throws -> Event)?
        let codec: EventCodec?

        /// Decodes a payload of this type and version, as
        /// ``EventCodec/decode(type:schemaVersion:payload:)`` does.
        public func decode(_ payload: Span<UInt8>) throws(DocketError) -> Event {
            guard let inPlace else {
                return try codec!.decode(type: type, schemaVersion: schemaVersion, payload: payload.withUnsafeBufferPointer { Array($0) })
            }
            do { return try inPlace(payload) } catch {
                throw EventCodec.decodingFailure(error, type: type, version: schemaVersion)
            }
        }
    }

    /// A decoder's error as the codec throws it: a `DocketError` as it is, any other named with the
    /// event's type and version (one wording for payloads decoded in place and copied).
    static func decodingFailure(_ error: any Error, type: String, version: UInt16) -> DocketError {
        error as? DocketError ?? DocketError(.codecFailure, "cannot decode event \(type) v\(version): \(error)")
    }

    /// Decodes event `i` of a batch, its payload read where it lies.
    public func decode(_ batch: EventBatch, at i: Int) throws(DocketError) -> Event {
        try batch.withPayload(at: i) { (payload) throws(DocketError) in
            try decode(type: batch.events[i].type, schemaVersion: batch.events[i].schemaVersion, payload: payload)
        }
    }

    /// The (type, version) pairs with a decoder, sorted.
    public var registeredTypes: [(type: String, version: UInt16)] {
        decoders.keys.map { ($0.type, $0.version) }.sorted { ($0.type, $0.version) < ($1.type, $1.version) }
    }
}

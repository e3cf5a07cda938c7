import DocketCore
import Foundation
import Testing

/// A value that exercises every shape the binary form writes: nested structs, enums with and
/// without associated values, optionals present and absent, arrays, sets, dictionaries keyed by
/// strings and by enums, every integer width at its extremes, doubles, booleans, text in Chinese.
private struct Sample: Codable, Equatable {
    enum Kind: String, Codable { case wage, injury }
    enum Step: Codable, Equatable {
        case filed
        case heard(at: Timestamp, by: String?)
        case decided(Int64, [Kind])
    }
    struct Party: Codable, Equatable, Hashable {
        var name: String
        var amount: Double
    }
    var id: String
    var at: Timestamp
    var optionalAt: Timestamp?
    var note: String?
    var flags: [Bool]
    var kind: Kind
    var steps: [Step]
    var parties: Set<Party>
    var byName: [String: Int]
    var byKind: [Kind: Timestamp]
    var nested: [[String: [Int8]]]
    var int8: Int8, int16: Int16, int32: Int32, int64: Int64, int: Int
    var uint8: UInt8, uint16: UInt16, uint32: UInt32, uint64: UInt64, uint: UInt
    var float: Float
    var empty: [String]
    var emptyMap: [String: String]
}

private func sample(_ n: Int64 = 0) -> Sample {
    Sample(
        id: "案件-\(n)-沪", at: Timestamp(millisecondsSinceEpoch: 1_772_406_000_000 + n), optionalAt: n % 2 == 0 ? Timestamp(millisecondsSinceEpoch: -5) : nil,
        note: n % 3 == 0 ? nil : "支付工资 12000 元 \"quoted\" \n line", flags: [true, false, n % 2 == 0], kind: n % 2 == 0 ? .wage : .injury,
        steps: [.filed, .heard(at: Timestamp(millisecondsSinceEpoch: n), by: nil), .heard(at: Timestamp(millisecondsSinceEpoch: 7), by: "仲裁员"), .decided(-n, [.wage, .injury])],
        parties: [.init(name: "甲", amount: 1.5), .init(name: "乙", amount: -0.0), .init(name: "丙", amount: 1e300)],
        byName: ["z": 1, "a": 2, "m": -3, "中": 4], byKind: [.wage: Timestamp(millisecondsSinceEpoch: 1), .injury: Timestamp(millisecondsSinceEpoch: 2)],
        nested: [["x": [Int8.min, 0, Int8.max]], [:]],
        int8: .min, int16: .min, int32: .min, int64: .min, int: .max, uint8: .max, uint16: .max, uint32: .max, uint64: .max, uint: 0,
        float: 3.25, empty: [], emptyMap: [:])
}

@Suite("Binary values")
struct BinaryValueTests {
    @Test("every shape round-trips, and decodes to what JSON decodes")
    func roundTrip() throws {
        for n in Int64(0)..<6 {
            let value = sample(n)
            let bytes = try BinaryPayload.encode(value)
            #expect(Array(bytes.prefix(2)) == BinaryPayload.magic)
            #expect(try BinaryPayload.decode(Sample.self, from: bytes, what: "sample") == value)
            #expect(try Payload.decode(Sample.self, from: bytes, what: "sample") == value)
            let json = try JSONPayload.encode(value)
            #expect(try Payload.decode(Sample.self, from: json, what: "sample") == value, "a JSON payload still reads through Payload")
            #expect(bytes.count < json.count)
        }
    }

    @Test("equal dictionaries give equal bytes whatever their insertion order")
    func dictionariesAreSorted() throws {
        var a: [String: Int] = [:]
        var b: [String: Int] = [:]
        let keys = (0..<200).map { "k\($0)" }
        for k in keys { a[k] = k.count }
        for k in keys.reversed() { b[k] = k.count }
        b.reserveCapacity(4_096)
        #expect(try BinaryPayload.encode(a) == BinaryPayload.encode(b))
        #expect(try BinaryPayload.decode([String: Int].self, from: BinaryPayload.encode(a), what: "map") == a)
    }

    @Test("the sample value matches its golden bytes: the binary form cannot change silently")
    func golden() throws {
        struct Pinned: Codable, Equatable {
            var s: String
            var t: Timestamp
            var n: Int
            var u: UInt16
            var d: Double
            var b: Bool
            var o: String?
            var a: [Int]
            var m: [String: Bool]
        }
        let value = Pinned(s: "调解", t: Timestamp(millisecondsSinceEpoch: -2), n: -300, u: 300, d: 0.5, b: true, o: nil, a: [1, 2], m: ["b": false, "a": true])
        let bytes = try BinaryPayload.encode(value)
        let pinned = try DocketCoreTests.golden("binary-value-v1.bin", fresh: bytes)
        #expect(bytes == pinned)
        #expect(try BinaryPayload.decode(Pinned.self, from: pinned, what: "pinned") == value)
        // The layout of Specs/format.md, byte by byte: magic, map, "s" → string, "t" → int (zigzag).
        #expect(Array(pinned.prefix(8)) == [0xDB, 0x01, 0x08, UInt8(pinned.count - 7), 0, 0, 0, 1])
        #expect(Array(pinned[8...9]) == [UInt8(ascii: "s"), 0x06])
    }

    @Test("truncated or altered bytes are refused with an error, never a trap")
    func corruptInputThrows() throws {
        let bytes = try BinaryPayload.encode(sample(1))
        var refused = 0
        for cut in 0..<bytes.count {
            do { _ = try BinaryPayload.decode(Sample.self, from: Array(bytes.prefix(cut)), what: "cut") } catch {
                #expect(error.code == .codecFailure)
                refused += 1
            }
        }
        #expect(refused == bytes.count, "every truncation is refused")
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3_000 {
            var altered = bytes
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                altered[Int.random(in: 2..<altered.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            // Either a value (an altered number or letter) or a codecFailure; never a crash.
            do { _ = try BinaryPayload.decode(Sample.self, from: altered, what: "altered") } catch { #expect(error.code == .codecFailure) }
        }
        #expect(throws: DocketError.self) { try BinaryPayload.decode(Sample.self, from: Array("{}".utf8), what: "json") }
    }

    @Test("a value of another shape is refused, naming what was expected")
    func typeMismatch() throws {
        struct A: Codable { var x: String }
        struct B: Codable { var x: Int }
        struct C: Codable { var y: Int }
        let bytes = try BinaryPayload.encode(A(x: "1"))
        do {
            _ = try BinaryPayload.decode(B.self, from: bytes, what: "row")
            Issue.record("decoded a string as an integer")
        } catch {
            #expect(error.message.contains("expected an integer") && error.message.contains("found a string"))
        }
        do {
            _ = try BinaryPayload.decode(C.self, from: bytes, what: "row")
            Issue.record("decoded a missing key")
        } catch {
            #expect(error.message.contains("no value for key \"y\""))
        }
    }
}

@Suite("Hand-written binary coders: the standard types")
struct BinaryValueCoderTests {
    struct Amounts: Codable, Equatable, BinaryCodable {
        var amounts: [Decimal]
        var maybe: Decimal?
        var tags: Set<String>

        func encode(to w: inout BinaryValueWriter) throws {
            let map = w.beginMap()
            try w.field("amounts", amounts)
            try w.fieldIfPresent("maybe", maybe)
            try w.field("tags", tags)
            w.end(map)
        }

        init(amounts: [Decimal], maybe: Decimal?, tags: Set<String>) {
            self.amounts = amounts
            self.maybe = maybe
            self.tags = tags
        }

        init(from r: inout BinaryValueReader) throws {
            var m = try r.map()
            self.init(amounts: try m.field("amounts"), maybe: try m.fieldIfPresent("maybe"), tags: try m.field("tags"))
        }
    }

    @Test("decimals, optionals and sets: the bytes Codable writes, read back equal, over many values")
    func decimals() throws {
        var texts = ["0", "1", "-1", "5000", "0.01", "-12345.678", "99999999999999999999.99", "340282366920938463463374607431768211455", "1e-120", "-3e100"]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let digits = String((0..<Int.random(in: 1...30, using: &rng)).map { _ in "0123456789".randomElement(using: &rng)! })
            let point = Int.random(in: 0...digits.count, using: &rng)
            texts.append((Bool.random(using: &rng) ? "-" : "") + digits.prefix(point) + "." + digits.dropFirst(point) + "0")
        }
        for text in texts {
            let d = try #require(Decimal(string: text), "\(text)")
            let value = Amounts(amounts: [d, d * 3, d / 7], maybe: text.count % 2 == 0 ? d : nil, tags: ["a", text])
            let hand = try BinaryPayload.encode(value)
            let codable = try BinaryPayload.$usesHandWrittenCoders.withValue(false) { try BinaryPayload.encode(value) }
            #expect(hand == codable, "\(text)")
            #expect(try BinaryPayload.decode(Amounts.self, from: codable, what: text) == value, "\(text)")
            #expect(try BinaryPayload.$usesHandWrittenCoders.withValue(false) { try BinaryPayload.decode(Amounts.self, from: hand, what: text) } == value)
        }
    }

    @Test("a missing required key and a value of the wrong kind are typed errors naming the key")
    func errors() throws {
        let missing = #expect(throws: DocketError.self) { try BinaryPayload.decode(Amounts.self, from: try BinaryPayload.encode(["tags": ["x"]]), what: "row 9") }
        #expect(missing?.code == .codecFailure)
        #expect(missing?.message.contains("row 9") == true && missing?.message.contains("amounts") == true)
        struct Wrong: Encodable { var amounts = "many"; var tags: [String] = [] }
        let wrong = #expect(throws: DocketError.self) { try BinaryPayload.decode(Amounts.self, from: try BinaryPayload.encode(Wrong()), what: "row 10") }
        #expect(wrong?.message.contains("expected an array") == true)
    }

    @Test("a map's entries are found in any order asked, and a missing key is nil: small maps (searched) and large ones (indexed)")
    func mapLookupsInAnyOrder() throws {
        for text in ["short", String(repeating: "长", count: 400)] {
            for note in [nil, "a note"] as [String?] {
                let value = Shuffled(a: text, b: -7, c: note, d: [1, 2, 3])
                let bytes = try BinaryPayload.encode(value)
                #expect(bytes.count < 256 || text != "short", "the short value's map is small")
                #expect(try BinaryPayload.decode(Shuffled.self, from: bytes, what: "shuffled") == value)
                let viaCodable = try BinaryPayload.$usesHandWrittenCoders.withValue(false) { try BinaryPayload.decode(Shuffled.self, from: bytes, what: "shuffled") }
                #expect(viaCodable == value)
            }
        }
    }
}

@Suite("Positional maps")
struct PositionalMapTests {
    /// A row type as a read model would keep it, with an entry added by a later build at the end.
    struct Row: Codable, Equatable, BinaryCodable {
        var name: String
        var note: String?
        var amounts: [Decimal]
        var seen: Timestamp
        var extra: Int?

        init(name: String, note: String?, amounts: [Decimal], seen: Timestamp, extra: Int? = nil) {
            self.name = name
            self.note = note
            self.amounts = amounts
            self.seen = seen
            self.extra = extra
        }

        func encode(to w: inout BinaryValueWriter) throws { try encode(to: &w, withExtra: true) }

        func encode(to w: inout BinaryValueWriter, withExtra: Bool) throws {
            let map = w.beginMap()
            w.field("name", name)
            try w.fieldIfPresent("note", note)
            try w.field("amounts", amounts)
            w.field("seen", seen)
            if withExtra { try w.fieldIfPresent("extra", extra) }
            w.end(map)
        }

        init(from r: inout BinaryValueReader) throws {
            var m = try r.map()
            self.init(name: try m.field("name"), note: try m.fieldIfPresent("note"), amounts: try m.field("amounts"), seen: try m.field("seen"),
                      extra: try m.fieldIfPresent("extra"))
        }
    }

    static func positional(_ row: Row, withExtra: Bool = true) throws -> [UInt8] {
        var w = BinaryValueWriter(positional: true)
        try row.encode(to: &w, withExtra: withExtra)
        return w.bytes
    }

    static func read(_ bytes: [UInt8]) throws -> Row { try BinaryPayload.withValue(in: bytes, what: "row") { try Row(from: &$0) } }

    @Test("values are written without keys, an absent optional as null, and read back in order")
    func roundTrip() throws {
        let t = Timestamp(millisecondsSinceEpoch: 1_772_416_800_000)
        for row in [Row(name: "甲", note: nil, amounts: [Decimal(string: "-12.5")!, 7], seen: t), Row(name: "b", note: "n", amounts: [], seen: t, extra: 3)] {
            let bytes = try Self.positional(row)
            #expect(bytes[2] == 0x09, "a positional map's tag")
            #expect(try Self.read(bytes) == row)
            #expect(bytes.count < (try BinaryPayload.encode(row)).count)
            // The keyed form of the same type is still read by the same decoder.
            #expect(try BinaryPayload.decode(Row.self, from: try BinaryPayload.encode(row), what: "row") == row)
            #expect(!(try BinaryPayload.jsonText(bytes).contains("name")), "no keys are written")
        }
        // A null stands for the absent note, so the amounts keep their place.
        let text = try BinaryPayload.jsonText(try Self.positional(Row(name: "x", note: nil, amounts: [1], seen: t)))
        #expect(text.hasPrefix("[\"x\",null,[[0,1,false,true,[1,0,0,0,0,0,0,0]]]"), "\(text)")  // a decimal is positional too
    }

    @Test("an entry past the end of a row written before it was added reads as absent")
    func entryAddedLater() throws {
        let row = Row(name: "old", note: "n", amounts: [2], seen: Timestamp(millisecondsSinceEpoch: 9), extra: 5)
        var expected = row
        expected.extra = nil
        #expect(try Self.read(try Self.positional(row, withExtra: false)) == expected)
    }

    @Test("Decodable refuses a positional map with a typed error instead of misreading it; parts written through Encodable keep their keys")
    func codablePaths() throws {
        let bytes = try Self.positional(Row(name: "x", note: nil, amounts: [1], seen: Timestamp(millisecondsSinceEpoch: 0)))
        let error = #expect(throws: DocketError.self) {
            try BinaryPayload.$usesHandWrittenCoders.withValue(false) { try BinaryPayload.decode(Row.self, from: bytes, what: "row 3") }
        }
        #expect(error?.code == .codecFailure)
        #expect(error?.message.contains("positional") == true)
        // `writeEncodable` inside a positional writer writes a keyed map, which reads as one.
        var w = BinaryValueWriter(positional: true)
        let map = w.beginMap()
        try w.encodableField("inner", ["k": 1])
        w.field("after", "y")
        w.end(map)
        try BinaryPayload.withValue(in: w.bytes, what: "mixed") { r in
            var m = try r.map()
            #expect(m.isPositional)
            #expect(try m.decodableField("inner", as: [String: Int].self) == ["k": 1])
            #expect(try m.field("after", as: String.self) == "y")
            #expect(try m.value("past the end") == nil)
        }
    }
}

extension PositionalMapTests {
    /// The same set of strings, built so that it iterates in different orders: different
    /// capacities, insertion orders and removals (as different processes' hash seeds do).
    static func variants(of elements: [String]) -> [Set<String>] {
        var out: [Set<String>] = [Set(elements), Set(elements.reversed())]
        for capacity in [0, 4, 64, 1_000] {
            var s = Set<String>(minimumCapacity: capacity)
            for e in elements.shuffled() { s.insert(e) }
            s.insert("temporary")
            s.remove("temporary")
            out.append(s)
        }
        return out
    }

    @Test("a positional writer writes a set's elements in the order of their bytes, whatever the set's own order; a keyed one keeps the order Codable gives")
    func orderedSets() throws {
        let many = (0..<2_000).map { "element \($0 * 7_919 % 2_000)" }  // a large set: sorted, not insertion-sorted
        for elements in [[], ["only"], ["b", "a"], ["mediation", "arbitration", "lawsuit", "enforcement", "a", "甲", "zz", "confirmation", "review"], many] {
            let sets = Self.variants(of: elements)
            if elements.count > 2 { #expect(Set(sets.map { Array($0) }).count > 1, "the variants iterate in different orders") }
            let rows = try sets.map { set -> [UInt8] in
                var w = BinaryValueWriter(positional: true)
                try set.encode(to: &w)
                return w.bytes
            }
            #expect(Set(rows).count == 1, "one set, one row: \(elements)")
            // The elements in the order of their encoding: by length (the varint before the bytes), then bytewise.
            let expected = elements.sorted { a, b in
                a.utf8.count != b.utf8.count ? a.utf8.count < b.utf8.count : Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8))
            }
            #expect(try BinaryPayload.withValue(in: rows[0], what: "set") { try [String](from: &$0) } == expected)
            #expect(try BinaryPayload.withValue(in: rows[0], what: "set") { try Set<String>(from: &$0) } == Set(elements))
            for set in sets {
                // Keyed: the bytes Codable writes, in the set's own order.
                var keyed = BinaryValueWriter()
                try set.encode(to: &keyed)
                #expect(keyed.bytes == (try BinaryPayload.$usesHandWrittenCoders.withValue(false) { try BinaryPayload.encode(set) }))
            }
        }
    }

    @Test("entries of several values (a key and its value) are ordered whole; a count that does not match what the array holds is an error")
    func orderedEntries() throws {
        let table: [(String, Int64)] = [("mediationTerm", 15), ("acceptance", 3), ("award", 45), ("review", 10)]
        var rows: Set<[UInt8]> = []
        for order in [table, table.reversed(), table.shuffled(), table.shuffled()] {
            var w = BinaryValueWriter(positional: true)
            let a = w.beginArray()
            for (k, v) in order {
                w.write(k)
                w.write(v)
            }
            try w.orderEntriesIfPositional(of: a, count: order.count, valuesPerEntry: 2)
            w.end(a)
            rows.insert(w.bytes)
            let pairs = try BinaryPayload.jsonText(w.bytes)
            #expect(pairs == "[\"award\",45,\"review\",10,\"acceptance\",3,\"mediationTerm\",15]", "\(pairs)")
        }
        #expect(rows.count == 1)
        var w = BinaryValueWriter(positional: true)
        let a = w.beginArray()
        w.write("x")
        w.write("y")
        w.write("z")
        #expect(throws: (any Error).self) { try w.orderEntriesIfPositional(of: a, count: 2) }
        #expect(throws: (any Error).self) { try w.orderEntriesIfPositional(of: a, count: 2, valuesPerEntry: 2) }
    }
}

/// Written in one order and read in another, asking for a key that is never there in between.
private struct Shuffled: Codable, Equatable, BinaryCodable {
    var a: String
    var b: Int
    var c: String?
    var d: [Int]

    init(a: String, b: Int, c: String?, d: [Int]) {
        self.a = a
        self.b = b
        self.c = c
        self.d = d
    }

    func encode(to w: inout BinaryValueWriter) throws {
        let map = w.beginMap()
        w.field("a", a)
        w.field("b", b)
        try w.fieldIfPresent("c", c)
        try w.field("d", d)
        w.end(map)
    }

    init(from r: inout BinaryValueReader) throws {
        var m = try r.map()
        let d: [Int] = try m.field("d")
        guard try m.fieldIfPresent("missing", as: String.self) == nil else { throw DocketError(.codecFailure, "found a key that is not there") }
        let c: String? = try m.fieldIfPresent("c")
        let a: String = try m.field("a")
        let b: Int = try m.field("b")
        self.init(a: a, b: b, c: c, d: d)
    }
}

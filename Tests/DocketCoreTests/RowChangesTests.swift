@_spi(Storage) @testable import DocketCore
import Testing

@Suite("Row changes")
struct RowChangesTests {
    struct NoRows: ProjectionRowReader {
        func value(for key: [UInt8]) throws -> [UInt8]? { nil }
        func forEach(from start: [UInt8]?, _ body: ([UInt8], [UInt8]) throws -> Bool) throws {}
    }

    @Test("a row set again and again holds its last value only, large or small, through deletes and changes of size")
    func rowSetAgain() throws {
        var rows = ProjectionRows(reader: NoRows())
        let large = Array("a-large-row".utf8), small = Array("a-small-row".utf8)
        for n in 0..<1_000 {
            rows.set(large, [UInt8](repeating: UInt8(n % 256), count: 1_000 + n))
            rows.set(small, [UInt8](repeating: UInt8(n % 256), count: 10 + n % 40))
        }
        #expect(rows.changes.large.count == 1, "one large value, replaced in its place")
        // The small value's place grew to its largest size (49 bytes), once per size reached.
        #expect(rows.changes.bytes.count <= large.count + small.count + (10...49).reduce(0, +))
        #expect(try rows.value(for: large) == [UInt8](repeating: UInt8(999 % 256), count: 1_999))
        #expect(try rows.value(for: small) == [UInt8](repeating: UInt8(999 % 256), count: 10 + 999 % 40))
        // Large to small, a delete, small again, large again: each read gives the last value.
        rows.set(large, [1, 2, 3])
        #expect(try rows.value(for: large) == [1, 2, 3])
        #expect(rows.changes.large[0].isEmpty, "the large value is dropped when a small one replaces it")
        rows.delete(large)
        #expect(try rows.value(for: large) == nil)
        rows.set(large, [4])
        #expect(try rows.value(for: large) == [4])
        rows.set(large, [UInt8](repeating: 7, count: 65))
        #expect(try rows.value(for: large) == [UInt8](repeating: 7, count: 65))
        rows.delete(small)
        #expect(try rows.value(for: small) == nil)
        rows.set(small, [5, 5])
        #expect(rows.writes.map(\.key) == [large, small] && rows.writes.map(\.value) == [[UInt8](repeating: 7, count: 65), [5, 5]])
    }

    @Test("a stream id made from bytes that are not valid UTF-8 is found again by its next records")
    func repairedStreamIDs() throws {
        var tables = EventBatch.Tables()
        let invalid: [UInt8] = Array("case-".utf8) + [0xFF, 0xFE] + Array("7".utf8)
        let other: [UInt8] = Array("case-8".utf8)
        var made = 0
        func add(_ bytes: [UInt8], _ version: UInt64) throws -> StreamID {
            try bytes.withUnsafeBytes { raw in
                try tables.add(type: "T", streamUTF8: raw, version: StreamVersion(version)) { () throws(DocketError) in
                    made += 1
                    return StreamID(trusted: String(decoding: raw, as: UTF8.self))
                }
            }
        }
        let first = try add(invalid, 1)
        _ = try add(other, 1)
        let again = try add(invalid, 2)
        #expect(first == again)
        #expect(tables.streams.streams.count == 2, "one entry per stream")
        #expect(tables.streamIndexes == [0, 1, 0])
        #expect(tables.streams.begins == [true, true])
        #expect(made == 3, "the repaired id is made again for each of its records, then found")
    }
}

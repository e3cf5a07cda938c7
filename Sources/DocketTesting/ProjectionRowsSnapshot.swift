public import DocketCore

extension ProjectionStore {
    /// Every row of a projection's slot, keyed by its bytes: for tests that compare a projection's
    /// rows before and after a rebuild.
    public func allRows(_ name: String, slot: ProjectionSlot = .live) async throws -> [[UInt8]: [UInt8]] {
        try await readProjection(name, slot: slot) { reader in
            var out: [[UInt8]: [UInt8]] = [:]
            try reader.forEach(from: nil) { k, v in
                out[k] = v
                return true
            }
            return out
        }
    }
}

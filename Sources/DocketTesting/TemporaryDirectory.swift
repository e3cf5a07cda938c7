import Foundation

/// A fresh directory under the system's temporary directory, removed with everything in it when the
/// value goes away: a place for a test's LMDB store.
public final class TemporaryDirectory: Sendable {
    /// The directory's path.
    public let path: String

    /// Creates the directory, named `name` and a UUID.
    public init(_ name: String = "docket-test") {
        path = NSTemporaryDirectory() + "\(name)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// The path of `name` inside the directory.
    public func sub(_ name: String) -> String { path + "/" + name }
}

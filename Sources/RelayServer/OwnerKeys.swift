import Foundation
import ShareStore

/// Where the accepted owner keys came from (printed at start-up; never the keys themselves).
public enum OwnerKeyOrigin: Sendable, Equatable, CustomStringConvertible {
    /// From configuration and/or `SHARE_RELAY_OWNER_KEY`.
    case configured(count: Int)
    /// Read from an existing `<data-dir>/owner.key`.
    case file(path: String)
    /// Generated on this start into `<data-dir>/owner.key` (mode 0600).
    case generated(path: String)

    public var description: String {
        switch self {
        case let .configured(count):
            return count == 1 ? "1 configured owner key" : "\(count) configured owner keys"
        case let .file(path):
            return "owner key from \(path)"
        case let .generated(path):
            return "generated a new owner key in \(path) (mode 0600)"
        }
    }
}

/// Finds the owner keys: configured ones and `SHARE_RELAY_OWNER_KEY`; when there are none, the
/// key file in the data directory, generated on first start.
public enum OwnerKeys {
    public struct Resolved: Sendable {
        public var keys: [OwnerKey]
        public var origin: OwnerKeyOrigin
        /// Set when the key file can be read by other users (mode not 0600 or stricter).
        public var warning: String?
    }

    public static func resolve(
        configured: [String],
        environment: [String: String],
        dataDirectory: String,
        generator: SecretTokenGenerator = SecretTokenGenerator()
    ) throws(RelayServerError) -> Resolved {
        var keys = configured.compactMap(OwnerKey.init)
        if let fromEnvironment = environment[RelayServerConfiguration.ownerKeyEnvironmentVariable].flatMap(OwnerKey.init) {
            keys.append(fromEnvironment)
        }
        if !keys.isEmpty {
            return Resolved(keys: keys, origin: .configured(count: keys.count))
        }
        let path = keyFilePath(dataDirectory: dataDirectory)
        if let existing = try read(path) {
            return existing
        }
        return try generate(path, dataDirectory: dataDirectory, generator: generator)
    }

    public static func keyFilePath(dataDirectory: String) -> String {
        (dataDirectory as NSString).appendingPathComponent(RelayServerConfiguration.ownerKeyFileName)
    }

    /// The key in an existing file; nil when there is no file.
    private static func read(_ path: String) throws(RelayServerError) -> Resolved? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let contents: String
        do {
            contents = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .ownerKey("cannot read \(path): \(error.localizedDescription)")
        }
        guard let key = OwnerKey(contents) else {
            throw .ownerKey("\(path) is empty; delete it to generate a new key, or write a key into it")
        }
        var warning: String?
        if let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0
        {
            warning = "\(path) can be read by other users (mode \(String(mode, radix: 8))); run: chmod 600 \(path)"
        }
        return Resolved(keys: [key], origin: .file(path: path), warning: warning)
    }

    /// Writes a fresh key with O_CREAT|O_EXCL and mode 0600, so it is never readable by others,
    /// not even for a moment, and two processes starting at once cannot both write one.
    private static func generate(
        _ path: String,
        dataDirectory: String,
        generator: SecretTokenGenerator
    ) throws(RelayServerError) -> Resolved {
        do {
            try FileManager.default.createDirectory(
                atPath: dataDirectory,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw .ownerKey("cannot create data directory \(dataDirectory): \(error.localizedDescription)")
        }
        let key: OwnerKey
        do {
            key = try generator.makeOwnerKey()
        } catch {
            throw .ownerKey(error.description)
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor < 0 {
            let code = errno
            if code == EEXIST, let existing = try read(path) {
                return existing  // another process won the race
            }
            throw .ownerKey("cannot create \(path): \(String(cString: strerror(code)))")
        }
        defer { close(descriptor) }
        let line = Array((key.rawValue + "\n").utf8)
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == line.count, fsync(descriptor) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(path)
            throw .ownerKey("cannot write \(path): \(reason)")
        }
        return Resolved(keys: [key], origin: .generated(path: path))
    }
}

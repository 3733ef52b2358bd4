import Foundation
import Logging
import NIOCore
import RPC
import RelayServer
import ShareStore

let testOwnerKey = "clw_owner_TestTestTestTestTestTestTestTest12"

/// Deterministic "random" bytes 0, 1, 2, ... 247, 0, ...: tokens are predictable, so responses
/// can be compared byte for byte. Each token draws 48 bytes and keeps the first 32.
final class CountingRandomBytes: RandomByteSource, @unchecked Sendable {
    private let lock = NSLock()
    private var next: UInt8 = 0

    func fill(_ buffer: UnsafeMutableRawBufferPointer) throws(ShareStoreError) {
        lock.lock()
        defer { lock.unlock() }
        for index in buffer.indices {
            buffer[index] = next
            next = next == 247 ? 0 : next + 1
        }
    }
}

let firstToken = "clw_share_0123456789ABCDEFGHIJKLMNOPQRSTUV"
let secondToken = "clw_share_mnopqrstuvwxyz0123456789ABCDEFGH"

/// A relay started in-process on 127.0.0.1, port 0, in a fresh data directory.
final class TestRelay: @unchecked Sendable {
    let server = RelayServer()
    let dataDirectory: String
    let clock: ManualWallClock
    private(set) var port = 0
    private(set) var store: SQLiteShareStore?

    init(clock: ManualWallClock = ManualWallClock(UTCTimestamp(secondsSinceEpoch: 1_772_128_800)), dataDirectory: String? = nil) {
        self.clock = clock
        self.dataDirectory = dataDirectory
            ?? (NSTemporaryDirectory() as NSString).appendingPathComponent("relay-server-tests-\(UUID().uuidString)")
    }

    var databasePath: String { (dataDirectory as NSString).appendingPathComponent(SQLiteShareStore.fileName) }

    /// Starts the server. By default: one owner key, no environment, a deterministic SQLite store.
    func start(_ adjust: (inout RelayServerConfiguration) -> Void = { _ in }) async throws {
        var logger = Logger(label: "relay-server-tests")
        logger.logLevel = .critical
        let store = try await SQLiteShareStore.open(
            dataDirectory: dataDirectory,
            clock: clock,
            tokens: SecretTokenGenerator(random: CountingRandomBytes())
        )
        self.store = store
        var configuration = RelayServerConfiguration(
            host: "127.0.0.1",
            port: 0,
            dataDirectory: dataDirectory,
            ownerKeys: [testOwnerKey],
            environment: [:],
            lingerTimeout: .milliseconds(300),
            eventLoopThreads: 1,
            clock: clock,
            storage: store,
            logger: logger
        )
        adjust(&configuration)
        let address = try await server.start(configuration)
        port = address.port ?? 0
    }

    func stop() async {
        await server.shutdown()
        await store?.close()
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }

    func connect(from localAddress: String? = nil) async throws -> TestHTTPConnection {
        try await TestHTTPConnection.connect(port: port, from: localAddress)
    }

    /// One `POST /rpc` on a fresh connection with the owner key.
    func rpc(_ body: String, key: String = testOwnerKey) async throws -> RawResponse {
        let connection = try await connect()
        try await connection.postRPC(body, headers: ["Content-Type: application/json", "Authorization: Bearer \(key)"])
        let response = try await connection.readResponse()
        await connection.close()
        return response
    }
}

/// A store whose every call fails.
struct FailingStorage: ShareStorage {
    func createShare(sessionID: SessionID, lifetime: ShareLifetime) async throws(ShareStoreError) -> Share { throw .closed }
    func revokeShare(token: ShareToken) async throws(ShareStoreError) -> ShareRevocation { throw .closed }
    func activeShares(sessionID: SessionID) async throws(ShareStoreError) -> [Share] { throw .closed }
    func lookupShare(token: ShareToken) async throws(ShareStoreError) -> ShareLookup { throw .closed }
    func checkHealth() async throws(ShareStoreError) { throw .unavailable(reason: "disk gone") }
    func close() async {}
}

/// A store whose health check and share creation take `delay`.
struct SlowStorage: ShareStorage {
    let base: any ShareStorage
    let delay: Duration

    func createShare(sessionID: SessionID, lifetime: ShareLifetime) async throws(ShareStoreError) -> Share {
        try? await Task.sleep(for: delay)
        return try await base.createShare(sessionID: sessionID, lifetime: lifetime)
    }
    func revokeShare(token: ShareToken) async throws(ShareStoreError) -> ShareRevocation { try await base.revokeShare(token: token) }
    func activeShares(sessionID: SessionID) async throws(ShareStoreError) -> [Share] { try await base.activeShares(sessionID: sessionID) }
    func lookupShare(token: ShareToken) async throws(ShareStoreError) -> ShareLookup { try await base.lookupShare(token: token) }
    func checkHealth() async throws(ShareStoreError) {
        try? await Task.sleep(for: delay)
        try await base.checkHealth()
    }
    func close() async {}
}

import Foundation
import RelayServer
import ShareStore
import Testing

@Suite(.timeLimit(.minutes(1))) final class OwnerAuthenticationTests {
    let relay = TestRelay()

    deinit {
        relay.remove()
    }

    let shareCall = #"{"jsonrpc":"2.0","id":1,"method":"session.share","params":{"session_id":"abc"}}"#

    @Test func missingKeyIs401WithAChallengeAndChangesNothing() async throws {
        try await relay.start()
        let database = try RawDatabase(path: relay.databasePath)
        let before = try database.snapshot()
        let connection = try await relay.connect()
        try await connection.postRPC(shareCall, headers: ["Content-Type: application/json"])
        let response = try await connection.readResponse()
        #expect(response.status == 401)
        #expect(response.headers["www-authenticate"] == #"Bearer realm="share-relay""#)
        #expect(response.body == #"{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Unauthorized: missing owner key; send Authorization: Bearer <owner key>"}}"#)
        #expect(try database.snapshot() == before)
        await relay.stop()
    }

    @Test(arguments: ["Bearer wrong", "Bearer \(testOwnerKey)x", "Basic \(testOwnerKey)", "Bearer"])
    func wrongOrMalformedKeyIs401AndChangesNothing(authorization: String) async throws {
        try await relay.start()
        let database = try RawDatabase(path: relay.databasePath)
        let before = try database.snapshot()
        let connection = try await relay.connect()
        try await connection.postRPC(shareCall, headers: ["Content-Type: application/json", "Authorization: \(authorization)"])
        let response = try await connection.readResponse()
        #expect(response.status == 401)
        #expect(response.body.contains(#""code":-32001"#))
        #expect(try database.snapshot() == before)
        await relay.stop()
    }

    @Test func bearerSchemeIsCaseInsensitiveAndAnyConfiguredKeyWorks() async throws {
        try await relay.start { $0.ownerKeys = ["first-key", testOwnerKey] }
        for authorization in ["bearer \(testOwnerKey)", "BEARER first-key"] {
            let connection = try await relay.connect()
            try await connection.postRPC(shareCall, headers: ["Content-Type: application/json", "Authorization: \(authorization)"])
            #expect(try await connection.readResponse().status == 200)
        }
        await relay.stop()
    }

    @Test func environmentKeyIsAcceptedBesideConfiguredKeys() async throws {
        try await relay.start { $0.environment = ["SHARE_RELAY_OWNER_KEY": "from-env"] }
        #expect(try await relay.rpc(shareCall, key: "from-env").status == 200)
        #expect(try await relay.rpc(shareCall, key: testOwnerKey).status == 200)
        #expect(await relay.server.ownerKeyOrigin == .configured(count: 2))
        await relay.stop()
    }

    @Test func repeatedWrongKeysFromOneAddressAreRateLimitedWithRetryAfter() async throws {
        try await relay.start { $0.authFailureLimit = AuthFailureLimit(maximumFailures: 3, windowSeconds: 60) }
        for _ in 0..<3 {
            #expect(try await relay.rpc(shareCall, key: "guess").status == 401)
        }
        // Limited now: even the right key is not looked at.
        let limited = try await relay.rpc(shareCall)
        #expect(limited.status == 429)
        #expect(limited.headers["retry-after"] == "60")
        #expect(limited.body == #"{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Unauthorized: too many wrong owner keys from this address; retry after 60 seconds"}}"#)
        relay.clock.advance(by: 45)
        #expect(try await relay.rpc(shareCall).headers["retry-after"] == "15")
        // Another address is not affected.
        let other = try await relay.connect(from: "127.0.0.2")
        try await other.postRPC(shareCall, headers: ["Content-Type: application/json", "Authorization: Bearer \(testOwnerKey)"])
        #expect(try await other.readResponse().status == 200)
        relay.clock.advance(by: 15)
        #expect(try await relay.rpc(shareCall).status == 200)
        await relay.stop()
    }

    @Test func correctKeyClearsEarlierFailures() async throws {
        try await relay.start { $0.authFailureLimit = AuthFailureLimit(maximumFailures: 2, windowSeconds: 60) }
        #expect(try await relay.rpc(shareCall, key: "guess").status == 401)
        #expect(try await relay.rpc(shareCall).status == 200)
        #expect(try await relay.rpc(shareCall, key: "guess").status == 401)
        #expect(try await relay.rpc(shareCall).status == 200)
        await relay.stop()
    }

    @Test func trackedAddressesAreBounded() {
        let clock = ManualWallClock(UTCTimestamp(secondsSinceEpoch: 0))
        let authenticator = OwnerAuthenticator(
            keys: [OwnerKey("k")!],
            limit: AuthFailureLimit(maximumFailures: 1, windowSeconds: 60, maximumTrackedAddresses: 2),
            clock: clock
        )
        for address in ["a", "b", "c"] {
            #expect(authenticator.authenticate(authorization: "Bearer x", clientAddress: address) == .wrongKey)
            clock.advance(by: 1)
        }
        // "a" was the oldest record and was dropped to keep two; "c" is still limited.
        #expect(authenticator.authenticate(authorization: "Bearer k", clientAddress: "a") == .allowed)
        #expect(authenticator.authenticate(authorization: "Bearer k", clientAddress: "c") == .rateLimited(retryAfterSeconds: 59))
    }

    @Test func ownerKeyIsGeneratedOnFirstStartWithMode0600AndReusedAfterwards() async throws {
        try await relay.start { $0.ownerKeys = [] }
        let path = (relay.dataDirectory as NSString).appendingPathComponent("owner.key")
        #expect(await relay.server.ownerKeyOrigin == .generated(path: path))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let key = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(OwnerKey(key)?.hasGeneratedFormat == true)
        #expect(try await relay.rpc(shareCall, key: key).status == 200)
        #expect(try await relay.rpc(shareCall, key: testOwnerKey).status == 401)
        await relay.stop()

        let restarted = TestRelay(dataDirectory: relay.dataDirectory)
        try await restarted.start { $0.ownerKeys = [] }
        #expect(await restarted.server.ownerKeyOrigin == .file(path: path))
        #expect(try await restarted.rpc(shareCall, key: key).status == 200)
        await restarted.stop()
    }

    @Test func configuredKeyMeansNoKeyFileIsWritten() async throws {
        try await relay.start()
        #expect(!FileManager.default.fileExists(atPath: (relay.dataDirectory as NSString).appendingPathComponent("owner.key")))
        await relay.stop()
    }
}

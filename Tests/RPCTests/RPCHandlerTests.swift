import Foundation
import RPC
import SQLite
import ShareStore
import Testing

/// Deterministic "random" bytes 0, 1, 2, ... 247, 0, ...: tokens are predictable, so responses
/// can be compared byte for byte.
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

/// Records what the relay would be told, and proves `shareRevoked` is awaited.
actor RecordingObserver: ShareEventsObserver {
    var revoked: [ShareToken] = []
    var finishedRevocations = 0
    let viewers: [ShareToken: Int]

    init(viewers: [ShareToken: Int] = [:]) {
        self.viewers = viewers
    }

    func viewerCount(forShareToken token: ShareToken) async -> Int { viewers[token] ?? 0 }

    func shareRevoked(token: ShareToken) async {
        revoked.append(token)
        try? await Task.sleep(for: .milliseconds(50))
        finishedRevocations += 1
    }
}

struct FailingStorage: ShareStorage {
    func createShare(sessionID: SessionID, lifetime: ShareLifetime) async throws(ShareStoreError) -> Share {
        throw .unavailable(reason: "disk I/O error in /secret/path/share-relay.sqlite3")
    }
    func revokeShare(token: ShareToken) async throws(ShareStoreError) -> ShareRevocation { throw .closed }
    func activeShares(sessionID: SessionID) async throws(ShareStoreError) -> [Share] { throw .closed }
    func lookupShare(token: ShareToken) async throws(ShareStoreError) -> ShareLookup { throw .closed }
    func checkHealth() async throws(ShareStoreError) { throw .closed }
    func close() async {}
}

/// The first two deterministic tokens: each token draws 48 bytes and keeps the first 32
/// (bytes 0...31, then 48...79, reduced modulo 62).
let firstToken = "clw_share_0123456789ABCDEFGHIJKLMNOPQRSTUV"
let secondToken = "clw_share_mnopqrstuvwxyz0123456789ABCDEFGH"

@Suite final class RPCHandlerTests {
    let directory: String
    let clock = ManualWallClock(UTCTimestamp(secondsSinceEpoch: 1_772_128_800))  // 2026-02-26T18:00:00Z
    var store: SQLiteShareStore!

    init() async throws {
        directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("rpc-tests-\(UUID().uuidString)")
        store = try await SQLiteShareStore.open(
            dataDirectory: directory,
            clock: clock,
            tokens: SecretTokenGenerator(random: CountingRandomBytes())
        )
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func handler(policy: SharePolicy = SharePolicy()) -> RPCHandler {
        RPCHandler(storage: store, policy: policy)
    }

    func call(_ body: String, handler: RPCHandler? = nil, context: RPCContext = RPCContext()) async -> String? {
        await (handler ?? self.handler()).handle(body: Array(body.utf8), context: context)?.text
    }

    /// Every row of both tables, to prove a refused request changed nothing.
    func databaseSnapshot() throws -> [[SQLiteValue]] {
        let connection = try SQLiteConnection(path: (directory as NSString).appendingPathComponent(SQLiteShareStore.fileName), options: .reader)
        let shares = try connection.query("SELECT * FROM session_shares ORDER BY id") { row in (0..<6).map { row.value(Int32($0)) } }
        let digests = try connection.query("SELECT * FROM share_token_digests ORDER BY share_id") { row in (0..<2).map { row.value(Int32($0)) } }
        return shares + digests
    }

    // MARK: The specified shapes, byte for byte

    @Test func shareAnswersTokenAndExpiry() async {
        let response = await call(#"{"jsonrpc":"2.0","id":1,"method":"session.share","params":{"session_id": "abc123", "expires_in": 3600}}"#)
        #expect(response == #"{"jsonrpc":"2.0","id":1,"result":{"shareToken":"\#(firstToken)","expiresAt":"2026-02-26T19:00:00Z"}}"#)
    }

    @Test func shareWithoutExpiresInUsesTheConfiguredDefault() async {
        let response = await call(
            #"{"jsonrpc":"2.0","id":"a","method":"session.share","params":{"session_id":"abc123"}}"#,
            handler: handler(policy: SharePolicy(defaultExpiresIn: 60))
        )
        #expect(response == #"{"jsonrpc":"2.0","id":"a","result":{"shareToken":"\#(firstToken)","expiresAt":"2026-02-26T18:01:00Z"}}"#)
    }

    @Test func nullExpiresInMakesAnIndefiniteShareWhenAllowed() async {
        let response = await call(
            #"{"jsonrpc":"2.0","id":2,"method":"session.share","params":{"session_id":"abc123","expires_in":null}}"#,
            handler: handler(policy: SharePolicy(allowsIndefiniteShares: true))
        )
        #expect(response == #"{"jsonrpc":"2.0","id":2,"result":{"shareToken":"\#(firstToken)","expiresAt":null}}"#)
        let list = await call(#"{"jsonrpc":"2.0","id":3,"method":"session.shareList","params":{"session_id":"abc123"}}"#)
        #expect(list == #"{"jsonrpc":"2.0","id":3,"result":{"shares":[{"shareToken":"\#(firstToken)","sessionId":"abc123","expiresAt":null,"createdAt":"2026-02-26T18:00:00Z"}]}}"#)
    }

    @Test func shareListAnswersActiveSharesOldestFirst() async {
        _ = await call(#"{"jsonrpc":"2.0","id":1,"method":"session.share","params":{"session_id":"abc123","expires_in":60}}"#)
        clock.advance(by: 1)
        _ = await call(#"{"jsonrpc":"2.0","id":2,"method":"session.share","params":{"session_id":"abc123","expires_in":7200}}"#)
        let list = await call(#"{"jsonrpc":"2.0","id":3,"method":"session.shareList","params":{"session_id":"abc123"}}"#)
        #expect(list == """
            {"jsonrpc":"2.0","id":3,"result":{"shares":[\
            {"shareToken":"\(firstToken)","sessionId":"abc123","expiresAt":"2026-02-26T18:01:00Z","createdAt":"2026-02-26T18:00:00Z"},\
            {"shareToken":"\(secondToken)","sessionId":"abc123","expiresAt":"2026-02-26T20:00:01Z","createdAt":"2026-02-26T18:00:01Z"}]}}
            """)
        clock.advance(by: 59)
        let later = await call(#"{"jsonrpc":"2.0","id":4,"method":"session.shareList","params":{"session_id":"abc123"}}"#)
        #expect(later?.contains(firstToken) == false)
        #expect(later?.contains(secondToken) == true)
        let empty = await call(#"{"jsonrpc":"2.0","id":5,"method":"session.shareList","params":{"session_id":"nobody"}}"#)
        #expect(empty == #"{"jsonrpc":"2.0","id":5,"result":{"shares":[]}}"#)
    }

    @Test func shareListAddsViewersWhenTheRelayIsAttached() async throws {
        _ = await call(#"{"jsonrpc":"2.0","id":1,"method":"session.share","params":{"session_id":"abc123"}}"#)
        let observer = RecordingObserver(viewers: [try #require(ShareToken(firstToken)): 7])
        let list = await call(
            #"{"jsonrpc":"2.0","id":2,"method":"session.shareList","params":{"session_id":"abc123"}}"#,
            context: RPCContext(observer: observer)
        )
        #expect(list == #"{"jsonrpc":"2.0","id":2,"result":{"shares":[{"shareToken":"\#(firstToken)","sessionId":"abc123","expiresAt":"2026-02-26T19:00:00Z","createdAt":"2026-02-26T18:00:00Z","viewers":7}]}}"#)
    }

    @Test func revokeShareAnswersOkAndIsIdempotent() async {
        _ = await call(#"{"jsonrpc":"2.0","id":1,"method":"session.share","params":{"session_id":"abc123"}}"#)
        let revoke = #"{"jsonrpc":"2.0","id":2,"method":"session.revokeShare","params":{"share_token": "\#(firstToken)"}}"#
        #expect(await call(revoke) == #"{"jsonrpc":"2.0","id":2,"result":{"ok":true}}"#)
        #expect(await call(revoke) == #"{"jsonrpc":"2.0","id":2,"result":{"ok":true}}"#)
        let list = await call(#"{"jsonrpc":"2.0","id":3,"method":"session.shareList","params":{"session_id":"abc123"}}"#)
        #expect(list == #"{"jsonrpc":"2.0","id":3,"result":{"shares":[]}}"#)
    }

    @Test func revokingAnExpiredShareAnswersOk() async {
        _ = await call(#"{"jsonrpc":"2.0","id":1,"method":"session.share","params":{"session_id":"abc123","expires_in":1}}"#)
        clock.advance(by: 10)
        let revoke = #"{"jsonrpc":"2.0","id":2,"method":"session.revokeShare","params":{"share_token":"\#(firstToken)"}}"#
        #expect(await call(revoke) == #"{"jsonrpc":"2.0","id":2,"result":{"ok":true}}"#)
    }

    @Test func revokingAnUnknownTokenIsShareNotFound() async {
        let unknown = "clw_share_" + String(repeating: "Z", count: 32)
        let response = await call(#"{"jsonrpc":"2.0","id":9,"method":"session.revokeShare","params":{"share_token":"\#(unknown)"}}"#)
        #expect(response == #"{"jsonrpc":"2.0","id":9,"error":{"code":-32004,"message":"Share not found"}}"#)
    }

    @Test func revokeShareWaitsForTheRelayToCloseSocketsBeforeAnswering() async throws {
        _ = await call(#"{"jsonrpc":"2.0","id":1,"method":"session.share","params":{"session_id":"abc123"}}"#)
        let observer = RecordingObserver()
        let response = await call(
            #"{"jsonrpc":"2.0","id":2,"method":"session.revokeShare","params":{"share_token":"\#(firstToken)"}}"#,
            context: RPCContext(observer: observer)
        )
        #expect(response == #"{"jsonrpc":"2.0","id":2,"result":{"ok":true}}"#)
        #expect(await observer.revoked == [try #require(ShareToken(firstToken))])
        #expect(await observer.finishedRevocations == 1)
    }

    @Test func sessionIDDefaultsToTheContextsSession() async {
        let context = RPCContext(defaultSessionID: SessionID("presenter-session"))
        _ = await call(#"{"jsonrpc":"2.0","id":1,"method":"session.share"}"#, context: context)
        let list = await call(#"{"jsonrpc":"2.0","id":2,"method":"session.shareList","params":{}}"#, context: context)
        #expect(list?.contains(#""sessionId":"presenter-session""#) == true)
        let explicit = await call(#"{"jsonrpc":"2.0","id":3,"method":"session.shareList","params":{"session_id":"other"}}"#, context: context)
        #expect(explicit == #"{"jsonrpc":"2.0","id":3,"result":{"shares":[]}}"#)
    }

    // MARK: Invalid params: exact errors, database unchanged

    static let maximum = SharePolicy.defaultMaximumExpiresInSeconds
    static let sessionExpectation = "a string of 1-128 characters from [A-Za-z0-9._:-]"
    static let tokenExpectation = #"a string \"clw_share_\" followed by 32 characters from [A-Za-z0-9]"#

    @Test(arguments: [
        (#""method":"session.share""#, "missing session_id (\(sessionExpectation))"),
        (#""method":"session.share","params":{}"#, "missing session_id (\(sessionExpectation))"),
        (#""method":"session.share","params":{"session_id":42}"#, "session_id must be \(sessionExpectation), got a number"),
        (#""method":"session.share","params":{"session_id":null}"#, "session_id must be \(sessionExpectation), got null"),
        (#""method":"session.share","params":{"session_id":""}"#, "session_id must be \(sessionExpectation)"),
        (#""method":"session.share","params":{"session_id":"a b"}"#, "session_id must be \(sessionExpectation)"),
        (#""method":"session.share","params":{"session_id":"\#(String(repeating: "x", count: 129))"}"#, "session_id must be \(sessionExpectation)"),
        (#""method":"session.share","params":{"session_id":"abc","expires_in":0}"#, "expires_in must be an integer from 1 to \(maximum) (seconds), got 0"),
        (#""method":"session.share","params":{"session_id":"abc","expires_in":-5}"#, "expires_in must be an integer from 1 to \(maximum) (seconds), got -5"),
        (#""method":"session.share","params":{"session_id":"abc","expires_in":2592001}"#, "expires_in must be an integer from 1 to \(maximum) (seconds), got 2592001"),
        (#""method":"session.share","params":{"session_id":"abc","expires_in":1.5}"#, "expires_in must be an integer from 1 to \(maximum) (seconds), got 1.5"),
        (#""method":"session.share","params":{"session_id":"abc","expires_in":1e100}"#, "expires_in must be an integer from 1 to \(maximum) (seconds), got 1e100"),
        (#""method":"session.share","params":{"session_id":"abc","expires_in":"3600"}"#, "expires_in must be an integer from 1 to \(maximum) (seconds), got a string"),
        (#""method":"session.share","params":{"session_id":"abc","expires_in":true}"#, "expires_in must be an integer from 1 to \(maximum) (seconds), got a boolean"),
        (#""method":"session.share","params":{"session_id":"abc","expires_in":null}"#, "expires_in must be an integer from 1 to \(maximum) (seconds); null (no expiry) is not allowed by this relay"),
        (#""method":"session.share","params":{"session_id":"abc","expiresIn":60}"#, #"unknown parameter \"expiresIn\" (this method takes session_id, expires_in)"#),
        (#""method":"session.share","params":["abc",60]"#, "params must be an object of named parameters, got an array"),
        (#""method":"session.revokeShare","params":{}"#, "missing share_token (\(tokenExpectation))"),
        (#""method":"session.revokeShare","params":{"share_token":7}"#, "share_token must be \(tokenExpectation)"),
        (#""method":"session.revokeShare","params":{"share_token":"clw_share_short"}"#, "share_token must be \(tokenExpectation)"),
        (#""method":"session.revokeShare","params":{"share_token":"clw_owner_0123456789ABCDEFGHIJKLMNOPQRSTUV"}"#, "share_token must be \(tokenExpectation)"),
        (#""method":"session.revokeShare","params":{"share_token":"clw_share_0123456789ABCDEFGHIJKLMNOPQRSTU!"}"#, "share_token must be \(tokenExpectation)"),
        (#""method":"session.shareList""#, "missing session_id (\(sessionExpectation))"),
        (#""method":"session.shareList","params":{"session_id":["abc"]}"#, "session_id must be \(sessionExpectation), got an array"),
        (#""method":"session.shareList","params":{"session_id":"abc","extra":1}"#, #"unknown parameter \"extra\" (this method takes session_id)"#),
    ])
    func invalidParamsAreRefusedWithTheirMessageAndChangeNothing(members: String, message: String) async throws {
        _ = await call(#"{"jsonrpc":"2.0","id":1,"method":"session.share","params":{"session_id":"abc"}}"#)
        let before = try databaseSnapshot()
        let response = await call(#"{"jsonrpc":"2.0","id":7,\#(members)}"#)
        #expect(response == #"{"jsonrpc":"2.0","id":7,"error":{"code":-32602,"message":"Invalid params: \#(message)"}}"#)
        #expect(try databaseSnapshot() == before)
    }

    @Test func customMaximumIsNamedInTheMessage() async {
        let response = await call(
            #"{"jsonrpc":"2.0","id":1,"method":"session.share","params":{"session_id":"abc","expires_in":61}}"#,
            handler: handler(policy: SharePolicy(defaultExpiresIn: 60, maximumExpiresIn: 60, allowsIndefiniteShares: true))
        )
        #expect(response == #"{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params: expires_in must be an integer from 1 to 60, or null for a share that never expires (seconds), got 61"}}"#)
    }

    // MARK: The envelope

    @Test(arguments: [
        ("{", "Parse error: expected a string key at byte 1"),
        (#"{"jsonrpc":"2.0","id":1,"method":"session.share""#, "Parse error: unexpected end of input at byte 48"),
        ("", "Parse error: unexpected end of input at byte 0"),
    ])
    func malformedJSONIsAParseErrorWithNullID(body: String, message: String) async throws {
        let before = try databaseSnapshot()
        #expect(await call(body) == #"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"\#(message)"}}"#)
        #expect(try databaseSnapshot() == before)
    }

    @Test(arguments: [
        ("1", "null", "expected a request object, got a number"),
        (#"{"jsonrpc":"1.0","id":1,"method":"session.share"}"#, "1", #"jsonrpc must be \"2.0\""#),
        (#"{"id":1,"method":"session.share"}"#, "1", #"jsonrpc must be \"2.0\""#),
        (#"{"jsonrpc":"2.0","id":1,"method":5}"#, "1", "method must be a string"),
        (#"{"jsonrpc":"2.0","id":"x"}"#, #""x""#, "method must be a string"),
        (#"{"jsonrpc":"2.0","id":{},"method":"session.share"}"#, "null", "id must be a string, a number or null, got an object"),
        (#"{"jsonrpc":"2.0","id":1,"method":"session.share","params":"abc"}"#, "1", "params must be an object or an array, got a string"),
        (#"{"jsonrpc":"2.0","method":"session.share","params":"abc"}"#, "null", "params must be an object or an array, got a string"),
        ("[]", "null", "empty batch"),
    ])
    func invalidRequestsAreAnsweredEvenWithoutAnID(body: String, id: String, detail: String) async throws {
        let before = try databaseSnapshot()
        #expect(await call(body) == #"{"jsonrpc":"2.0","id":\#(id),"error":{"code":-32600,"message":"Invalid Request: \#(detail)"}}"#)
        #expect(try databaseSnapshot() == before)
    }

    @Test func unknownMethodIsMethodNotFound() async {
        let response = await call(#"{"jsonrpc":"2.0","id":1,"method":"session.delete","params":{}}"#)
        #expect(response == #"{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found: session.delete"}}"#)
    }

    @Test func idIsEchoedExactly() async {
        let revoke = #""method":"session.revokeShare","params":{"share_token":"clw_share_\#(String(repeating: "Z", count: 32))"}"#
        #expect(await call(#"{"jsonrpc":"2.0","id":1.50,\#(revoke)}"#)?.hasPrefix(#"{"jsonrpc":"2.0","id":1.50,"#) == true)
        #expect(await call(#"{"jsonrpc":"2.0","id":"é\n",\#(revoke)}"#)?.hasPrefix(#"{"jsonrpc":"2.0","id":"é\n","#) == true)
        #expect(await call(#"{"jsonrpc":"2.0","id":null,\#(revoke)}"#)?.hasPrefix(#"{"jsonrpc":"2.0","id":null,"#) == true)
    }

    @Test func notificationsGetNoResponseButAreCarriedOut() async throws {
        _ = await call(#"{"jsonrpc":"2.0","id":1,"method":"session.share","params":{"session_id":"abc123"}}"#)
        #expect(await call(#"{"jsonrpc":"2.0","method":"session.revokeShare","params":{"share_token":"\#(firstToken)"}}"#) == nil)
        #expect(await call(#"{"jsonrpc":"2.0","method":"no.such.method"}"#) == nil)
        #expect(await call(#"{"jsonrpc":"2.0","method":"session.share","params":{"session_id":7}}"#) == nil)
        #expect(try await store.activeShares(sessionID: SessionID("abc123")!).isEmpty)
    }

    @Test func batchAnswersEachRequestInOrderAndSkipsNotifications() async throws {
        let body = """
            [
              {"jsonrpc":"2.0","id":1,"method":"session.share","params":{"session_id":"abc123","expires_in":60}},
              {"jsonrpc":"2.0","id":2,"method":"session.share","params":{"session_id":"abc123","expires_in":0}},
              {"jsonrpc":"2.0","method":"session.share","params":{"session_id":"abc123"}},
              42,
              {"jsonrpc":"2.0","id":3,"method":"nope"},
              {"jsonrpc":"2.0","id":4,"method":"session.revokeShare","params":{"share_token":"clw_share_\(String(repeating: "Z", count: 32))"}},
              {"jsonrpc":"2.0","id":5,"method":"session.shareList","params":{"session_id":"abc123"}}
            ]
            """
        let response = await call(body)
        #expect(response == """
            [{"jsonrpc":"2.0","id":1,"result":{"shareToken":"\(firstToken)","expiresAt":"2026-02-26T18:01:00Z"}},\
            {"jsonrpc":"2.0","id":2,"error":{"code":-32602,"message":"Invalid params: expires_in must be an integer from 1 to 2592000 (seconds), got 0"}},\
            {"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request: expected a request object, got a number"}},\
            {"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"Method not found: nope"}},\
            {"jsonrpc":"2.0","id":4,"error":{"code":-32004,"message":"Share not found"}},\
            {"jsonrpc":"2.0","id":5,"result":{"shares":[\
            {"shareToken":"\(firstToken)","sessionId":"abc123","expiresAt":"2026-02-26T18:01:00Z","createdAt":"2026-02-26T18:00:00Z"},\
            {"shareToken":"\(secondToken)","sessionId":"abc123","expiresAt":"2026-02-26T19:00:00Z","createdAt":"2026-02-26T18:00:00Z"}]}}]
            """)
    }

    @Test func batchOfNotificationsOnlyGetsNoResponse() async {
        let body = #"[{"jsonrpc":"2.0","method":"session.shareList","params":{"session_id":"a"}},{"jsonrpc":"2.0","method":"x"}]"#
        #expect(await call(body) == nil)
    }

    @Test func storeFailureIsAnInternalErrorThatLeaksNothing() async {
        let causes = CauseLog()
        let failing = RPCHandler(storage: FailingStorage(), onInternalError: { method, error in causes.append("\(method): \(error)") })
        let response = await call(#"{"jsonrpc":"2.0","id":1,"method":"session.share","params":{"session_id":"abc"}}"#, handler: failing)
        #expect(response == #"{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"Internal error"}}"#)
        #expect(causes.entries == ["session.share: share store unavailable: disk I/O error in /secret/path/share-relay.sqlite3"])
    }

    @Test func additionalMethodsAreServedButCannotReplaceShareMethods() async {
        struct Sync: RPCMethod {
            func call(params: JSONValue?, context: RPCContext) async throws(RPCError) -> JSONValue { ["seq": 42] }
        }
        let extended = RPCHandler(storage: store, additionalMethods: ["relay.sync": Sync(), "session.shareList": Sync()])
        #expect(await call(#"{"jsonrpc":"2.0","id":7,"method":"relay.sync"}"#, handler: extended) == #"{"jsonrpc":"2.0","id":7,"result":{"seq":42}}"#)
        let list = await call(#"{"jsonrpc":"2.0","id":8,"method":"session.shareList","params":{"session_id":"a"}}"#, handler: extended)
        #expect(list == #"{"jsonrpc":"2.0","id":8,"result":{"shares":[]}}"#)
    }
}

final class CauseLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []

    func append(_ entry: String) {
        lock.lock()
        stored.append(entry)
        lock.unlock()
    }

    var entries: [String] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}

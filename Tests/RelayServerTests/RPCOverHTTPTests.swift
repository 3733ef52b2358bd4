import Foundation
import RPC
import RelayServer
import ShareStore
import Testing

/// The share RPC contract over real HTTP against a server on 127.0.0.1.
@Suite(.timeLimit(.minutes(1))) final class RPCOverHTTPTests {
    let relay = TestRelay()

    deinit {
        relay.remove()
    }

    @Test func shareListAndRevokeAnswerTheSpecifiedShapesByteForByte() async throws {
        try await relay.start()
        let share = try await relay.rpc(#"{"jsonrpc":"2.0","id":1,"method":"session.share","params":{"session_id": "abc123", "expires_in": 3600}}"#)
        #expect(share.status == 200)
        #expect(share.headers["content-type"] == "application/json")
        #expect(share.body == #"{"jsonrpc":"2.0","id":1,"result":{"shareToken":"\#(firstToken)","expiresAt":"2026-02-26T19:00:00Z"}}"#)

        let list = try await relay.rpc(#"{"jsonrpc":"2.0","id":2,"method":"session.shareList","params":{"session_id": "abc123"}}"#)
        #expect(list.body == #"{"jsonrpc":"2.0","id":2,"result":{"shares":[{"shareToken":"\#(firstToken)","sessionId":"abc123","expiresAt":"2026-02-26T19:00:00Z","createdAt":"2026-02-26T18:00:00Z","viewers":0}]}}"#)

        let revoke = try await relay.rpc(#"{"jsonrpc":"2.0","id":3,"method":"session.revokeShare","params":{"share_token": "\#(firstToken)"}}"#)
        #expect(revoke.body == #"{"jsonrpc":"2.0","id":3,"result":{"ok":true}}"#)
        let again = try await relay.rpc(#"{"jsonrpc":"2.0","id":4,"method":"session.revokeShare","params":{"share_token": "\#(firstToken)"}}"#)
        #expect(again.body == #"{"jsonrpc":"2.0","id":4,"result":{"ok":true}}"#)

        let empty = try await relay.rpc(#"{"jsonrpc":"2.0","id":5,"method":"session.shareList","params":{"session_id": "abc123"}}"#)
        #expect(empty.body == #"{"jsonrpc":"2.0","id":5,"result":{"shares":[]}}"#)
        await relay.stop()
    }

    @Test func jsonRPCErrorsAreHTTP200() async throws {
        try await relay.start()
        let unknown = "clw_share_" + String(repeating: "Q", count: 32)
        let notFound = try await relay.rpc(#"{"jsonrpc":"2.0","id":1,"method":"session.revokeShare","params":{"share_token":"\#(unknown)"}}"#)
        #expect(notFound.status == 200)
        #expect(notFound.body == #"{"jsonrpc":"2.0","id":1,"error":{"code":-32004,"message":"Share not found"}}"#)
        let parse = try await relay.rpc(#"{"jsonrpc":"2.0","#)
        #expect(parse.status == 200)
        #expect(parse.body == #"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error: expected a string key at byte 17"}}"#)
        let method = try await relay.rpc(#"{"jsonrpc":"2.0","id":"m","method":"session.nope"}"#)
        #expect(method.body == #"{"jsonrpc":"2.0","id":"m","error":{"code":-32601,"message":"Method not found: session.nope"}}"#)
        await relay.stop()
    }

    @Test(arguments: [
        (#"{"session_id":5}"#, "session_id must be a string of 1-128 characters from [A-Za-z0-9._:-], got a number"),
        (#"{}"#, "missing session_id (a string of 1-128 characters from [A-Za-z0-9._:-])"),
        (#"{"session_id":"abc","expires_in":0}"#, "expires_in must be an integer from 1 to 2592000 (seconds), got 0"),
        (#"{"session_id":"abc","expires_in":2592001}"#, "expires_in must be an integer from 1 to 2592000 (seconds), got 2592001"),
        (#"{"session_id":"abc","expires_in":"60"}"#, "expires_in must be an integer from 1 to 2592000 (seconds), got a string"),
        (#"{"session_id":"abc","expires_in":null}"#, "expires_in must be an integer from 1 to 2592000 (seconds); null (no expiry) is not allowed by this relay"),
    ])
    func invalidShareParamsAreRefusedOverHTTPAndChangeNothing(params: String, message: String) async throws {
        try await relay.start()
        _ = try await relay.rpc(#"{"jsonrpc":"2.0","id":1,"method":"session.share","params":{"session_id":"abc"}}"#)
        let database = try RawDatabase(path: relay.databasePath)
        let before = try database.snapshot()
        let response = try await relay.rpc(#"{"jsonrpc":"2.0","id":9,"method":"session.share","params":\#(params)}"#)
        #expect(response.status == 200)
        #expect(response.body == #"{"jsonrpc":"2.0","id":9,"error":{"code":-32602,"message":"Invalid params: \#(message)"}}"#)
        #expect(try database.snapshot() == before)
        await relay.stop()
    }

    @Test func malformedTokenIsInvalidParamsAndChangesNothing() async throws {
        try await relay.start()
        _ = try await relay.rpc(#"{"jsonrpc":"2.0","id":1,"method":"session.share","params":{"session_id":"abc"}}"#)
        let database = try RawDatabase(path: relay.databasePath)
        let before = try database.snapshot()
        for token in [#""clw_share_abc""#, "42", #""\#(firstToken)x""#, #""clw_owner_0123456789ABCDEFGHIJKLMNOPQRSTUV""#] {
            let response = try await relay.rpc(#"{"jsonrpc":"2.0","id":2,"method":"session.revokeShare","params":{"share_token":\#(token)}}"#)
            #expect(response.body == #"{"jsonrpc":"2.0","id":2,"error":{"code":-32602,"message":"Invalid params: share_token must be a string \"clw_share_\" followed by 32 characters from [A-Za-z0-9]"}}"#)
        }
        #expect(try database.snapshot() == before)
        await relay.stop()
    }

    @Test func batchWithMixedValidAndInvalidEntriesAnswersEachInOrder() async throws {
        try await relay.start()
        let response = try await relay.rpc(
            #"[{"jsonrpc":"2.0","id":1,"method":"session.share","params":{"session_id":"abc123","expires_in":60}},"#
                + #"{"jsonrpc":"2.0","id":2,"method":"session.share","params":{"session_id":"bad id"}},"#
                + #"{"jsonrpc":"2.0","method":"session.share","params":{"session_id":"abc123"}},"#
                + #"{"foo":"bar"},"#
                + #"{"jsonrpc":"2.0","id":3,"method":"session.shareList","params":{"session_id":"abc123"}}]"#
        )
        #expect(response.status == 200)
        #expect(response.body == """
            [{"jsonrpc":"2.0","id":1,"result":{"shareToken":"\(firstToken)","expiresAt":"2026-02-26T18:01:00Z"}},\
            {"jsonrpc":"2.0","id":2,"error":{"code":-32602,"message":"Invalid params: session_id must be a string of 1-128 characters from [A-Za-z0-9._:-]"}},\
            {"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request: jsonrpc must be \\"2.0\\""}},\
            {"jsonrpc":"2.0","id":3,"result":{"shares":[\
            {"shareToken":"\(firstToken)","sessionId":"abc123","expiresAt":"2026-02-26T18:01:00Z","createdAt":"2026-02-26T18:00:00Z","viewers":0},\
            {"shareToken":"\(secondToken)","sessionId":"abc123","expiresAt":"2026-02-26T19:00:00Z","createdAt":"2026-02-26T18:00:00Z","viewers":0}]}}]
            """)
        await relay.stop()
    }

    @Test func notificationsOnlyAnswer204WithoutABodyAndKeepTheConnection() async throws {
        try await relay.start()
        let connection = try await relay.connect()
        try await connection.postRPC(
            #"[{"jsonrpc":"2.0","method":"session.share","params":{"session_id":"abc123"}},{"jsonrpc":"2.0","method":"x"}]"#,
            headers: ["Content-Type: application/json", "Authorization: Bearer \(testOwnerKey)"]
        )
        let response = try await connection.readResponse()
        #expect(response.status == 204)
        #expect(response.headers["content-length"] == nil)
        #expect(response.headers["content-type"] == nil)
        try await connection.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try await connection.readResponse().status == 200)
        #expect(try await relay.store?.activeShares(sessionID: SessionID("abc123")!).count == 1)
        await relay.stop()
    }

    @Test(arguments: [nil, "text/plain", "application/jsonx", "application/x-www-form-urlencoded"])
    func bodyThatIsNotDeclaredJSONIs415(contentType: String?) async throws {
        try await relay.start()
        let connection = try await relay.connect()
        try await connection.postRPC(
            #"{"jsonrpc":"2.0","id":1,"method":"session.share","params":{"session_id":"abc"}}"#,
            headers: (contentType.map { ["Content-Type: \($0)"] } ?? []) + ["Authorization: Bearer \(testOwnerKey)"]
        )
        let response = try await connection.readResponse()
        #expect(response.status == 415)
        #expect(response.body == #"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request: Content-Type must be application/json"}}"#)
        #expect(try await relay.store?.activeShares(sessionID: SessionID("abc")!).isEmpty == true)
        // The refused body was read and dropped: the connection serves the next request.
        try await connection.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try await connection.readResponse().status == 200)
        await relay.stop()
    }

    @Test func jsonWithParametersAndAnyCaseIsAccepted() async throws {
        try await relay.start()
        let connection = try await relay.connect()
        try await connection.postRPC(
            #"{"jsonrpc":"2.0","id":1,"method":"session.shareList","params":{"session_id":"abc"}}"#,
            headers: ["Content-Type: Application/JSON; charset=utf-8", "Authorization: Bearer \(testOwnerKey)"]
        )
        #expect(try await connection.readResponse().status == 200)
        await relay.stop()
    }

    @Test func bodyDeclaredLargerThanTheLimitIs413WithoutBeingRead() async throws {
        try await relay.start()
        let connection = try await relay.connect()
        // Announce 2 MiB but send only a little: the answer must not wait for the rest.
        try await connection.send(
            "POST /rpc HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nAuthorization: Bearer \(testOwnerKey)\r\n"
                + "Content-Length: \(2 << 20)\r\n\r\n[" + String(repeating: " ", count: 1000)
        )
        let response = try await connection.readResponse()
        #expect(response.status == 413)
        #expect(response.headers["connection"] == "close")
        #expect(response.body == #"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request: request body exceeds the limit of 1048576 bytes"}}"#)
        _ = await connection.readUntilClosed()
        #expect(connection.isClosed)
        await relay.stop()
    }

    @Test func fullySentOversizedBodyIs413AndTheClientReadsTheAnswer() async throws {
        try await relay.start()
        let database = try RawDatabase(path: relay.databasePath)
        let before = try database.snapshot()
        let connection = try await relay.connect()
        let body = #"{"jsonrpc":"2.0","id":1,"method":"session.share","params":{"session_id":"abc","pad":""#
            + String(repeating: "x", count: 1 << 20) + #""}}"#
        try await connection.postRPC(body, headers: ["Content-Type: application/json", "Authorization: Bearer \(testOwnerKey)"])
        let response = try await connection.readResponse()
        #expect(response.status == 413)
        #expect(try database.snapshot() == before)
        await relay.stop()
    }

    @Test func chunkedBodyGrowingPastTheLimitIs413() async throws {
        try await relay.start { $0.maximumRPCBodyBytes = 100 }
        let connection = try await relay.connect()
        try await connection.send(
            "POST /rpc HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nAuthorization: Bearer \(testOwnerKey)\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n"
        )
        let chunk = String(repeating: " ", count: 60)
        try await connection.send("3c\r\n\(chunk)\r\n")
        try await connection.send("3c\r\n\(chunk)\r\n")
        let response = try await connection.readResponse()
        #expect(response.status == 413)
        #expect(response.body.contains("exceeds the limit of 100 bytes"))
        await relay.stop()
    }

    @Test func bodyOfExactlyTheLimitIsAccepted() async throws {
        let call = #"{"jsonrpc":"2.0","id":1,"method":"session.shareList","params":{"session_id":"abc"}}"#
        try await relay.start { $0.maximumRPCBodyBytes = call.utf8.count }
        let exact = try await relay.rpc(call)
        #expect(exact.status == 200)
        let over = try await relay.rpc(call + " ")
        #expect(over.status == 413)
        await relay.stop()
    }

    @Test func expectContinueGets100BeforeTheBody() async throws {
        try await relay.start()
        let connection = try await relay.connect()
        let body = #"{"jsonrpc":"2.0","id":1,"method":"session.shareList","params":{"session_id":"abc"}}"#
        try await connection.send(
            "POST /rpc HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nAuthorization: Bearer \(testOwnerKey)\r\n"
                + "Expect: 100-continue\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
        )
        #expect(try await connection.readResponse().status == 100)
        try await connection.send(body)
        let response = try await connection.readResponse()
        #expect(response.status == 200)
        #expect(response.body == #"{"jsonrpc":"2.0","id":1,"result":{"shares":[]}}"#)
        await relay.stop()
    }

    @Test func relayObserverAddsViewersAndIsAwaitedOnRevocation() async throws {
        let observer = CountingObserver()
        try await relay.start { $0.shareEventsObserver = observer }
        _ = try await relay.rpc(#"{"jsonrpc":"2.0","id":1,"method":"session.share","params":{"session_id":"abc123"}}"#)
        let list = try await relay.rpc(#"{"jsonrpc":"2.0","id":2,"method":"session.shareList","params":{"session_id":"abc123"}}"#)
        #expect(list.body.contains(#""createdAt":"2026-02-26T18:00:00Z","viewers":3}"#))
        _ = try await relay.rpc(#"{"jsonrpc":"2.0","id":3,"method":"session.revokeShare","params":{"share_token":"\#(firstToken)"}}"#)
        #expect(await observer.closedTokens == [firstToken])
        await relay.stop()
    }

    @Test func activePredicateRunVerbatimAgreesWithShareListAcrossExpiryBoundaries() async throws {
        try await relay.start()
        let database = try RawDatabase(path: relay.databasePath)
        var compared = false
        for attempt in 0..<5 where !compared {
            let session = "boundary-\(attempt)"
            let realNowText = try #require(try database.scalar("SELECT datetime('now')"))
            let realNow = try #require(UTCTimestamp(sqliteText: realNowText))
            // Shares expiring 3 s before, exactly at, and 3 s after SQLite's real 'now'.
            for offset in -3...3 {
                relay.clock.set(realNow.adding(seconds: -100))
                _ = try await relay.rpc(#"{"jsonrpc":"2.0","id":1,"method":"session.share","params":{"session_id":"\#(session)","expires_in":\#(100 + offset)}}"#)
            }
            relay.clock.set(realNow)
            let list = try await relay.rpc(#"{"jsonrpc":"2.0","id":2,"method":"session.shareList","params":{"session_id":"\#(session)"}}"#)
            let verbatim = try database.rows(
                "SELECT share_token FROM session_shares WHERE session_id = '\(session)' AND "
                    + "revoked_at IS NULL AND (expires_at IS NULL OR expires_at > datetime('now')) ORDER BY created_at, rowid"
            ).compactMap { $0[0] }
            guard try database.scalar("SELECT datetime('now')") == realNowText else { continue }
            let listed = list.body.components(separatedBy: #""shareToken":""#).dropFirst().map { String($0.prefix(42)) }
            #expect(listed == verbatim)
            #expect(listed.count == 3)
            compared = true
        }
        #expect(compared, "the real clock ticked during every attempt")
        await relay.stop()
    }
}

actor CountingObserver: ShareEventsObserver {
    var closedTokens: [String] = []

    func viewerCount(forShareToken token: ShareToken) async -> Int { 3 }

    func shareRevoked(token: ShareToken) async {
        closedTokens.append(token.rawValue)
    }
}

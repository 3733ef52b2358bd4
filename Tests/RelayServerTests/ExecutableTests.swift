import Foundation
import RPC
import Testing

/// The real `share-relay` executable: `serve` in a child process, the share commands against it.
@Suite(.timeLimit(.minutes(2))) final class ExecutableTests {
    let dataDirectory = (NSTemporaryDirectory() as NSString).appendingPathComponent("share-relay-exe-\(UUID().uuidString)")

    deinit {
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }

    func share(_ arguments: [String], relay: RelayProcess) async throws -> CommandResult {
        try await runShareRelay(["share"] + arguments + ["--url", relay.url, "--data-dir", dataDirectory])
    }

    func tokens(inJSONList output: String) throws -> [String] {
        let result = try JSONParser.parse(Array(output.utf8))
        guard case let .array(shares)? = result["shares"] else { throw TestHTTPError("no shares in \(output)") }
        return shares.compactMap { $0["shareToken"]?.stringValue }
    }

    @Test func sharesSurviveKillDashNineAndTheCLIWorksEndToEnd() async throws {
        var relay = try await RelayProcess.start(dataDirectory: dataDirectory)
        let keyPath = (dataDirectory as NSString).appendingPathComponent("owner.key")
        #expect(relay.banner.contains { $0.contains("Generated an owner key in \(keyPath)") })

        var created: [String] = []
        for _ in 0..<3 {
            let result = try await share(["create", "--session", "abc123", "--json"], relay: relay)
            #expect(result.status == 0, "\(result.stderr)")
            let json = try JSONParser.parse(Array(result.stdout.utf8))
            created.append(try #require(json["shareToken"]?.stringValue))
            #expect(json["expiresAt"]?.stringValue?.hasSuffix("Z") == true)
        }
        let human = try await share(["create", "--session", "abc123", "--expires-in", "120"], relay: relay)
        #expect(human.status == 0)
        let humanLines = human.stdout.split(separator: "\n")
        #expect(humanLines.count == 2)
        #expect(humanLines.first?.hasPrefix("Share of session abc123 created; expires ") == true)
        created.append(String(try #require(humanLines.last)))

        let listed = try await share(["list", "--session", "abc123", "--json"], relay: relay)
        #expect(try tokens(inJSONList: listed.stdout) == created)

        // kill -9: no shutdown, no checkpoint. Every acknowledged share must still be there.
        let killed = await relay.stop(with: SIGKILL)
        #expect(killed.reason == .uncaughtSignal)
        relay = try await RelayProcess.start(dataDirectory: dataDirectory)
        #expect(relay.banner.contains("Owner key: \(keyPath)"))

        let table = try await share(["list", "--session", "abc123"], relay: relay)
        #expect(table.status == 0)
        let rows = table.stdout.split(separator: "\n")
        #expect(rows.first?.hasPrefix("TOKEN") == true)
        #expect(rows.first?.contains("EXPIRES") == true)
        #expect(rows.count == 5)
        for token in created {
            #expect(table.stdout.contains(token))
        }

        let revoked = try await share(["revoke", created[0]], relay: relay)
        #expect(revoked.status == 0)
        #expect(revoked.stdout == "Revoked share \(created[0].prefix(14))….\n")
        let afterRevoke = try await share(["list", "--session", "abc123", "--json"], relay: relay)
        #expect(try tokens(inJSONList: afterRevoke.stdout) == Array(created.dropFirst()))

        let none = try await share(["list", "--session", "nobody"], relay: relay)
        #expect(none.stdout == "No active shares for session nobody.\n")

        // SIGTERM: graceful shutdown, exit status 0.
        let stopped = await relay.stop(with: SIGTERM)
        #expect(stopped.reason == .exit)
        #expect(stopped.status == 0)
    }

    @Test func ownerKeyFromTheEnvironmentIsUsedByServerAndCLI() async throws {
        let environment = ShareRelayExecutable.environment(["SHARE_RELAY_OWNER_KEY": "operator-chosen-key"])
        let relay = try await RelayProcess.start(dataDirectory: dataDirectory, environment: environment)
        #expect(!FileManager.default.fileExists(atPath: (dataDirectory as NSString).appendingPathComponent("owner.key")))
        let result = try await runShareRelay(
            ["share", "create", "--session", "s1", "--url", relay.url, "--data-dir", "/nonexistent"],
            environment: environment
        )
        #expect(result.status == 0, "\(result.stderr)")
        let wrong = try await runShareRelay(
            ["share", "list", "--session", "s1", "--url", relay.url],
            environment: ShareRelayExecutable.environment(["SHARE_RELAY_OWNER_KEY": "not-the-key"])
        )
        #expect(wrong.status == 1)
        #expect(wrong.stderr == "share-relay: session.shareList: the relay answered HTTP 401: Unauthorized: invalid owner key\n")
        _ = await relay.stop(with: SIGTERM)
    }

    @Test func cliErrorsArePrintedClearlyWithExitStatus1() async throws {
        let relay = try await RelayProcess.start(dataDirectory: dataDirectory)

        let invalid = try await share(["create", "--session", "not valid"], relay: relay)
        #expect(invalid.status == 1)
        #expect(invalid.stderr == "share-relay: session.share: Invalid params: session_id must be a string of 1-128 characters from [A-Za-z0-9._:-] (JSON-RPC error -32602)\n")

        let tooLong = try await share(["create", "--session", "abc", "--expires-in", "99999999"], relay: relay)
        #expect(tooLong.status == 1)
        #expect(tooLong.stderr.contains("expires_in must be an integer from 1 to 2592000"))

        let indefinite = try await share(["create", "--session", "abc", "--no-expiry"], relay: relay)
        #expect(indefinite.status == 1)
        #expect(indefinite.stderr.contains("null (no expiry) is not allowed by this relay"))

        let unknown = try await share(["revoke", "clw_share_" + String(repeating: "a", count: 32)], relay: relay)
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "share-relay: session.revokeShare: Share not found (JSON-RPC error -32004)\n")

        let noKey = try await runShareRelay(["share", "list", "--session", "a", "--url", relay.url, "--data-dir", "/nonexistent"])
        #expect(noKey.status == 1)
        #expect(noKey.stderr.contains("no owner key: set SHARE_RELAY_OWNER_KEY, or point --data-dir at the relay's data directory"))

        _ = await relay.stop(with: SIGTERM)

        let unreachable = try await runShareRelay(
            ["share", "list", "--session", "a", "--url", "http://127.0.0.1:1"],
            environment: ShareRelayExecutable.environment(["SHARE_RELAY_OWNER_KEY": "k"])
        )
        #expect(unreachable.status == 1)
        #expect(unreachable.stderr == "share-relay: session.shareList: cannot reach the relay at http://127.0.0.1:1: connection refused\n")

        let badURL = try await runShareRelay(
            ["share", "list", "--session", "a", "--url", "https://example.com"],
            environment: ShareRelayExecutable.environment(["SHARE_RELAY_OWNER_KEY": "k"])
        )
        #expect(badURL.status == 1)
        #expect(badURL.stderr.contains("only http:// is supported"))

        let badListen = try await runShareRelay(["serve", "--listen", "localhost", "--data-dir", dataDirectory])
        #expect(badListen.status == 1)
        #expect(badListen.stderr.contains("flag listen: invalid value 'localhost' for listen; expected a list of 1 to 16 distinct addresses HOST:PORT"))
    }
}

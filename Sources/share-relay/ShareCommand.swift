import ArgumentParser
import Foundation
import RPC
import RelayServer
import ShareStore

struct ShareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "share",
        abstract: "Create, list and revoke shares on a running relay.",
        subcommands: [CreateShareCommand.self, ListSharesCommand.self, RevokeShareCommand.self]
    )
}

/// Options every share command takes: which relay, which owner key, which output.
struct RelayClientOptions: ParsableArguments {
    @Option(name: .long, help: "The relay's URL.")
    var url = "http://127.0.0.1:8080"

    @Option(
        name: .customLong("data-dir"),
        help: "The relay's data directory, for its owner.key when \(RelayServerConfiguration.ownerKeyEnvironmentVariable) is not set."
    )
    var dataDirectory = RelayServerConfiguration.defaultDataDirectory

    @Flag(name: .long, help: "Print the JSON-RPC result instead of text.")
    var json = false

    /// The owner key: the environment variable, else `<data-dir>/owner.key`.
    func ownerKey() -> String {
        let variable = RelayServerConfiguration.ownerKeyEnvironmentVariable
        if let key = ProcessInfo.processInfo.environment[variable].flatMap(OwnerKey.init) {
            return key.rawValue
        }
        let path = OwnerKeys.keyFilePath(dataDirectory: dataDirectory)
        guard let contents = try? String(contentsOfFile: path, encoding: .utf8), let key = OwnerKey(contents) else {
            fail("no owner key: set \(variable), or point --data-dir at the relay's data directory (no key in \(path))")
        }
        return key.rawValue
    }

    /// Calls `method` and returns its result, or prints the error and exits 1.
    func call(_ method: String, _ params: JSONValue) async -> JSONValue {
        do {
            let client = try RelayRPCClient(url: url, ownerKey: ownerKey())
            return try await client.call(method, params: params)
        } catch {
            fail("\(method): \(error.description)")
        }
    }

    func printJSON(_ value: JSONValue) {
        print(String(decoding: value.encoded(), as: UTF8.self))
    }
}

struct CreateShareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a share of a session.")

    @OptionGroup var options: RelayClientOptions

    @Option(name: .long, help: "The session to share.")
    var session: String

    @Option(name: .customLong("expires-in"), help: "Lifetime in seconds (default: the relay's, 3600).")
    var expiresIn: Int64?

    @Flag(name: .customLong("no-expiry"), help: "Never expire (only if the relay allows indefinite shares).")
    var noExpiry = false

    func validate() throws {
        if noExpiry && expiresIn != nil {
            throw ValidationError("--expires-in and --no-expiry exclude each other")
        }
    }

    func run() async {
        var params: JSONObject = JSONObject([.init("session_id", .string(session))])
        if let expiresIn {
            params.append("expires_in", .number(JSONNumber(expiresIn)))
        } else if noExpiry {
            params.append("expires_in", .null)
        }
        let result = await options.call("session.share", .object(params))
        if options.json {
            options.printJSON(result)
            return
        }
        guard let token = result["shareToken"]?.stringValue else {
            fail("session.share: the relay's answer has no shareToken")
        }
        let expires = result["expiresAt"]?.stringValue ?? "never"
        print("Share of session \(session) created; expires \(expires).")
        print(token)
    }
}

struct ListSharesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List a session's active shares.")

    @OptionGroup var options: RelayClientOptions

    @Option(name: .long, help: "The session whose shares to list.")
    var session: String

    func run() async {
        let result = await options.call("session.shareList", ["session_id": .string(session)])
        if options.json {
            options.printJSON(result)
            return
        }
        guard case let .array(shares)? = result["shares"] else {
            fail("session.shareList: the relay's answer has no shares")
        }
        if shares.isEmpty {
            print("No active shares for session \(session).")
            return
        }
        let showViewers = shares.contains { $0["viewers"] != nil }
        var rows = [["TOKEN", "EXPIRES", "CREATED"] + (showViewers ? ["VIEWERS"] : [])]
        for share in shares {
            var row = [
                share["shareToken"]?.stringValue ?? "?",
                share["expiresAt"]?.stringValue ?? "never",
                share["createdAt"]?.stringValue ?? "?",
            ]
            if showViewers {
                if case let .number(count)? = share["viewers"] { row.append(count.text) } else { row.append("-") }
            }
            rows.append(row)
        }
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            let padded = row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }
            print(padded.joined(separator: "  "))
        }
    }
}

struct RevokeShareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a share; its viewers are disconnected.")

    @OptionGroup var options: RelayClientOptions

    @Argument(help: "The share token (clw_share_...).")
    var token: String

    func run() async {
        let result = await options.call("session.revokeShare", ["share_token": .string(token)])
        if options.json {
            options.printJSON(result)
            return
        }
        let shown = ShareToken(token)?.redacted ?? token
        print("Revoked share \(shown).")
    }
}

import Foundation
import Testing
@testable import RelayConfiguration

@Suite struct FileErrorTests {
    @Test func yamlSyntaxErrorNamesFileLineAndColumn() {
        let yaml = """
            history:
              maxEvents: 10
              maxBytes: [1, 2
            limits:
            """
        #expect(loadMessage(yaml)
            == "relay.yaml:4: YAML syntax error at column 7: did not find expected ',' or ']' (while parsing a flow sequence at line 3)")
    }

    @Test func badIndentationIsASyntaxError() {
        let yaml = "history:\n  maxEvents: 10\n maxBytes: 5\n"
        #expect(loadMessage(yaml)
            == "relay.yaml:3: YAML syntax error at column 2: did not find expected key (while parsing a block mapping at line 1)")
    }

    @Test func aKeyGivenTwiceIsASyntaxError() {
        let yaml = "history:\n  maxEvents: 10\n  maxEvents: 20\n"
        #expect(loadMessage(yaml)
            == "relay.yaml:2: YAML syntax error: key 'maxEvents' appears more than once in the same mapping")
    }

    @Test func theTopLevelMustBeAMapping() {
        #expect(loadMessage("- listen\n- history\n")
            == "relay.yaml:1: the top level must be a mapping of settings (key: value), found a list")
        #expect(loadMessage("just text\n")
            == "relay.yaml:1: the top level must be a mapping of settings (key: value), found 'just text'")
    }

    @Test func unknownKeySuggestsTheClosestKnownKey() {
        let yaml = "limits:\n  maxEventBytes: 2048\n  maxViewerPerShare: 5\n"
        #expect(loadMessage(yaml)
            == "relay.yaml:3: unknown key 'limits.maxViewerPerShare'; did you mean 'limits.maxViewersPerShare'?")
        #expect(loadError(yaml)
            == .unknownKey(key: "limits.maxViewerPerShare", origin: .file(path: "relay.yaml", line: 3),
                           suggestion: "limits.maxViewersPerShare"))
    }

    @Test func aKeyInTheWrongGroupSuggestsWhereItBelongs() {
        #expect(loadMessage("limits:\n  stall: 5\n")
            == "relay.yaml:2: unknown key 'limits.stall'; did you mean 'timeouts.stall'?")
        #expect(loadMessage("maxEvents: 5\n")
            == "relay.yaml:1: unknown key 'maxEvents'; did you mean 'history.maxEvents'?")
    }

    @Test func dottedKeysInAFileAreRefusedWithTheNestedSpelling() {
        #expect(loadMessage("history:\n  maxEvents: 5\nlimits.maxEventBytes: 2048\n")
            == "relay.yaml:3: dotted key 'limits.maxEventBytes': in a file, nest it ('limits:' with 'maxEventBytes:' indented below it)")
    }

    @Test func aMistypedGroupSuggestsTheGroup() {
        #expect(loadMessage("limit:\n  maxEventBytes: 5\n")
            == "relay.yaml:1: unknown key 'limit'; did you mean 'limits'?")
    }

    @Test func anUnknownKeyWithNothingCloseRefersToTheDocs() {
        #expect(loadMessage("\nfavouriteColour: blue\n")
            == "relay.yaml:2: unknown key 'favouriteColour'; see docs/configuration.md for every key")
    }

    @Test func aWrongTypeNamesTheShapeFound() {
        #expect(loadMessage("history:\n  maxEvents: [1, 2]\n")
            == "relay.yaml:2: invalid value ['1', '2'] for history.maxEvents; expected an integer from 1 to 100000000")
        #expect(loadMessage("history:\n  maxEvents:\n    a: 1\n")
            == "relay.yaml:3: invalid value (a mapping) for history.maxEvents; expected an integer from 1 to 100000000")
        #expect(loadMessage("tls:\n  enabled: yes\n")
            == "relay.yaml:2: invalid value 'yes' for tls.enabled; expected true or false")
        #expect(loadMessage("history:\n  maxEvents: null\n")
            == "relay.yaml:2: invalid value (null) for history.maxEvents; expected an integer from 1 to 100000000")
    }

    @Test func aGroupMustBeAMappingOfItsKeys() {
        #expect(loadMessage("shares: 5\n")
            == "relay.yaml:1: invalid value '5' for shares; expected a mapping of defaultExpiry, maxExpiry, allowIndefinite")
    }

    @Test func anEmptyGroupSetsNothing() throws {
        #expect(try load("tls:\nlimits: ~\n") == .defaults)
    }

    @Test func aBadListElementIsNamedAtItsOwnLine() {
        let yaml = "listen:\n  - \"127.0.0.1:8080\"\n  - \"localhost\"\n"
        #expect(loadMessage(yaml)
            == "relay.yaml:3: invalid value 'localhost' for listen; expected a list of 1 to 16 distinct addresses HOST:PORT ([::1]:8080 for IPv6; port 0 to 65535, 0 picks a free port)")
    }

    @Test func aFileThatDoesNotExistIsNamed() {
        #expect(throws: ConfigurationError.unreadableFile(path: "/nonexistent/share-relay.yaml", reason: "no such file")) {
            try RelayConfiguration.load(file: "/nonexistent/share-relay.yaml", environment: [:], flags: [:])
        }
        #expect(ConfigurationError.unreadableFile(path: "/x.yaml", reason: "no such file").description
            == "cannot read configuration file /x.yaml: no such file")
    }

    @Test func aDirectoryOrNonUTF8FileIsRefused() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: ConfigurationError.unreadableFile(path: directory.path, reason: "it is a directory")) {
            try RelayConfiguration.load(file: directory.path, environment: [:], flags: [:])
        }
        let binary = directory.appendingPathComponent("binary.yaml")
        try Data([0x6C, 0x69, 0xFF, 0xFE, 0x0A]).write(to: binary)
        #expect(throws: ConfigurationError.unreadableFile(path: binary.path, reason: "not UTF-8 text")) {
            try RelayConfiguration.load(file: binary.path, environment: [:], flags: [:])
        }
    }

    @Test func errorsInTheEnvironmentAndFlagsNameTheVariableAndTheFlag() {
        #expect(loadMessage(environment: ["SHARE_RELAY_MAX_EVENT_BYTES": "lots"])
            == "environment variable SHARE_RELAY_MAX_EVENT_BYTES: invalid value 'lots' for limits.maxEventBytes; "
                + "expected a byte size from 16B to 64MiB (bytes, or a whole number with a unit: KiB, MiB, GiB)")
        #expect(loadMessage(flags: ["timeouts.stall": "soon"])
            == "flag timeouts.stall: invalid value 'soon' for timeouts.stall; "
                + "expected a duration from 100ms to 1h (seconds, or a number with a unit: ms, s, m, h, d)")
    }
}

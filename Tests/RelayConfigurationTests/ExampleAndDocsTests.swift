import Foundation
import Testing
import Yams
@testable import RelayConfiguration

/// Keeps the model, the key table, `config/share-relay.yaml` and `docs/configuration.md` in step.
@Suite struct ExampleAndDocsTests {
    @Test func everyStoredPropertyOfTheModelIsAKeyAndEveryKeyAProperty() {
        func leaves(of value: Any, prefix: String?) -> [String] {
            Mirror(reflecting: value).children.flatMap { child -> [String] in
                let name = prefix.map { "\($0).\(child.label ?? "?")" } ?? (child.label ?? "?")
                return child.value is SettingsGroup ? leaves(of: child.value, prefix: name) : [name]
            }
        }
        #expect(leaves(of: RelayConfiguration.defaults, prefix: nil) == RelayConfiguration.keys.map(\.name))
    }

    @Test func exampleFileLoadsAsTheDefaults() throws {
        let text = try repositoryFile("config/share-relay.yaml")
        #expect(try RelayConfiguration.load(yaml: text, path: "config/share-relay.yaml") == .defaults)
        let path = repositoryRoot.appendingPathComponent("config/share-relay.yaml").path
        #expect(try RelayConfiguration.load(file: path, environment: [:], flags: [:]) == .defaults)
    }

    @Test func exampleFileSetsEveryKeyExactlyOnce() throws {
        let text = try repositoryFile("config/share-relay.yaml")
        var written: [String] = []
        func collect(_ node: Node, prefix: String?) {
            guard case .mapping(let mapping) = node else { return }
            for (key, value) in mapping {
                let name = prefix.map { "\($0).\(key.string ?? "")" } ?? (key.string ?? "")
                if RelayConfiguration.groups.contains(name) {
                    collect(value, prefix: name)
                } else {
                    written.append(name)
                }
            }
        }
        collect(try #require(try Yams.compose(yaml: text)), prefix: nil)
        #expect(written == RelayConfiguration.keys.map(\.name))
    }

    @Test func exampleFileNamesEachKeysEnvironmentVariableRightAboveIt() throws {
        let lines = try repositoryFile("config/share-relay.yaml").split(separator: "\n", omittingEmptySubsequences: false)
        for key in RelayConfiguration.keys {
            let comment = lines.firstIndex { line in
                let words = line.split(separator: " ")
                return words.count >= 3 && words[0] == "#" && words[1] == "env:" && words[2] == key.environmentVariable
            }
            let index = try #require(comment, "no '# env: \(key.environmentVariable)' line")
            #expect(lines[index + 1].trimmingCharacters(in: .whitespaces).hasPrefix("\(key.path.leaf):"),
                    "\(key.environmentVariable) is not above \(key.name)")
        }
    }

    @Test func docsNameEveryKeyAndItsVariable() throws {
        let docs = try repositoryFile("docs/configuration.md")
        for key in RelayConfiguration.keys {
            #expect(docs.contains("`\(key.name)`"), "\(key.name) missing from docs/configuration.md")
            #expect(docs.contains("`\(key.environmentVariable)`"), "\(key.environmentVariable) missing from docs")
        }
    }

    /// Run with `UPDATE_CONFIGURATION_DOCS=1` to rewrite the table after changing a key.
    @Test func docsKeyTableIsTheGeneratedOne() throws {
        let docs = try repositoryFile("docs/configuration.md")
        let begin = try #require(docs.range(of: "<!-- keys:begin -->\n"))
        let end = try #require(docs.range(of: "<!-- keys:end -->"))
        let table = String(docs[begin.upperBound..<end.lowerBound])
        let expected = RelayConfiguration.keyReferenceMarkdown()
        if table != expected, ProcessInfo.processInfo.environment["UPDATE_CONFIGURATION_DOCS"] == "1" {
            let updated = docs.replacingCharacters(in: begin.upperBound..<end.lowerBound, with: expected)
            try updated.write(to: repositoryRoot.appendingPathComponent("docs/configuration.md"), atomically: true, encoding: .utf8)
            return
        }
        #expect(table == expected, "the key table in docs/configuration.md is stale; run the tests with UPDATE_CONFIGURATION_DOCS=1")
    }
}

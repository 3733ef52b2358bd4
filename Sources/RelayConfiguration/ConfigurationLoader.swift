import Foundation
import Yams

/// Applies the layers in order onto the defaults, remembering where each key's value came from so
/// the cross-field rules can name it. Every layer is checked completely, even where a later one
/// overrides it: a bad file is a bad file.
struct ConfigurationLoader {
    private(set) var configuration = RelayConfiguration()
    private var origins: [String: ConfigurationOrigin] = [:]

    // MARK: File

    mutating func apply(yaml text: String, path: String) throws(ConfigurationError) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw Self.syntaxError(error, path: path, text: text)
        } catch {
            throw .syntax(origin: .file(path: path, line: 1), problem: "YAML syntax error: \(error)")
        }
        guard let root else { return }  // an empty file (or only comments) sets nothing
        guard case .mapping(let mapping) = root else {
            if root.null != nil { return }
            throw .syntax(
                origin: .file(path: path, line: root.mark?.line ?? 1),
                problem: "the top level must be a mapping of settings (key: value), found \(Self.shape(of: root))")
        }
        try apply(mapping, group: nil, path: path)
    }

    private mutating func apply(_ mapping: Node.Mapping, group: String?, path: String) throws(ConfigurationError) {
        for (keyNode, valueNode) in mapping {
            let keyOrigin = ConfigurationOrigin.file(path: path, line: keyNode.mark?.line ?? 1)
            guard case .scalar(let keyScalar) = keyNode else {
                throw .syntax(origin: keyOrigin, problem: "keys must be plain names, found \(Self.shape(of: keyNode))")
            }
            if keyScalar.string.contains(".") {
                // One spelling per key in a file, so two lines cannot silently set the same key.
                let parts = keyScalar.string.split(separator: ".", maxSplits: 1)
                throw .syntax(
                    origin: keyOrigin,
                    problem: "dotted key '\(keyScalar.string)': in a file, nest it ('\(parts[0]):' with "
                        + "'\(parts.count > 1 ? parts[1] : ""):' indented below it)")
            }
            let name = group.map { "\($0).\(keyScalar.string)" } ?? keyScalar.string
            if let key = RelayConfiguration.key(named: name) {
                try assign(key, Self.rawValue(valueNode, path: path))
            } else if group == nil, RelayConfiguration.groups.contains(name) {
                if case .mapping(let nested) = valueNode {
                    try apply(nested, group: name, path: path)
                } else if valueNode.null == nil {
                    let raw = Self.rawValue(valueNode, path: path)
                    let leaves = RelayConfiguration.keys.filter { $0.path.group == name }.map(\.path.leaf)
                    throw .invalidValue(
                        key: name, value: raw.shown.text(masking: { $0 }),
                        allowed: "a mapping of \(leaves.joined(separator: ", "))", origin: raw.origin)
                }
            } else {
                throw .unknownKey(key: name, origin: keyOrigin, suggestion: KeySuggestion.closestName(to: name))
            }
        }
    }

    private static func rawValue(_ node: Node, path: String) -> WrittenValue {
        let origin = ConfigurationOrigin.file(path: path, line: node.mark?.line ?? 1)
        switch node {
        case .scalar(let scalar):
            return WrittenValue(content: node.null != nil ? .null : .scalar(scalar.string), origin: origin)
        case .sequence(let sequence):
            return WrittenValue(content: .sequence(sequence.map { rawValue($0, path: path) }), origin: origin)
        case .mapping:
            return WrittenValue(content: .mapping, origin: origin)
        case .alias:
            return WrittenValue(content: .mapping, origin: origin)  // composed away by Yams; never seen
        }
    }

    private static func shape(of node: Node) -> String {
        switch node {
        case .scalar(let scalar): "'\(scalar.string)'"
        case .sequence: "a list"
        case .mapping: "a mapping"
        case .alias: "an alias"
        }
    }

    /// Yams' errors carry a line and column; we keep the problem and drop its source snippet.
    private static func syntaxError(_ error: YamlError, path: String, text: String) -> ConfigurationError {
        func located(_ mark: Mark, _ problem: String) -> ConfigurationError {
            .syntax(origin: .file(path: path, line: mark.line),
                    problem: "YAML syntax error at column \(mark.column): \(problem)")
        }
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            return located(mark, problem + (context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""))
        case .reader(let problem, let offset, _, _):
            let line = offset.map { text.prefix($0).reduce(1) { $1 == "\n" ? $0 + 1 : $0 } } ?? 1
            return .syntax(origin: .file(path: path, line: line), problem: "YAML syntax error: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return .syntax(origin: .file(path: path, line: context.mark.line),
                           problem: "YAML syntax error: key \(names) appears more than once in the same mapping")
        default:
            return .syntax(origin: .file(path: path, line: 1), problem: "YAML syntax error: \(error)")
        }
    }

    // MARK: Environment and flags

    mutating func apply(environment: [String: String]) throws(ConfigurationError) {
        for (variable, value) in environment.sorted(by: { $0.key < $1.key })
        where variable.hasPrefix(EnvironmentNaming.prefix) && !EnvironmentNaming.reserved.contains(variable) {
            guard let key = RelayConfiguration.keysByVariable[variable] else {
                if let suggestion = KeySuggestion.closestVariable(to: variable) {
                    throw .unknownKey(key: variable, origin: .environment(variable: variable), suggestion: suggestion)
                }
                continue  // another tool's variable (tests, the CLI client)
            }
            if value.isEmpty { continue }
            try assign(key, WrittenValue(content: .scalar(value), origin: .environment(variable: variable)))
        }
    }

    mutating func apply(flags: [String: String]) throws(ConfigurationError) {
        for (name, value) in flags.sorted(by: { $0.key < $1.key }) {
            guard let key = RelayConfiguration.key(named: name) else {
                throw .unknownKey(key: name, origin: .flag(key: name), suggestion: KeySuggestion.closestName(to: name))
            }
            try assign(key, WrittenValue(content: .scalar(value), origin: .flag(key: name)))
        }
    }

    // MARK: Assigning and rules

    private mutating func assign(_ key: ConfigurationKey, _ raw: WrittenValue) throws(ConfigurationError) {
        do throws(InvalidValue) {
            try key.binding.assign(raw, to: &configuration)
        } catch {
            throw .invalidValue(
                key: key.name, value: error.shown.text(masking: key.binding.masked),
                allowed: key.allowed, origin: error.origin)
        }
        origins[key.name] = raw.origin
    }

    func checkRules() throws(ConfigurationError) {
        let origins = self.origins
        try ConfigurationRules.check(configuration, origin: { origins[$0] ?? .builtInDefault })
    }
}

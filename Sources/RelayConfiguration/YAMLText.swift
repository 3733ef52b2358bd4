/// Writes scalars so that Yams reads back exactly the same text: double-quoted, with YAML's
/// escapes (a subset of JSON's) for the characters that need them.
enum YAMLText {
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\u{0}"..."\u{1F}", "\u{7F}", "\u{85}", "\u{FEFF}", "\u{2028}", "\u{2029}":
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Plain when the text is a lowercase word (reads the same in any YAML), else quoted.
    static func plainOrQuoted(_ text: String) -> String {
        let isWord = !text.isEmpty && text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) }
        return isWord && !["null", "true", "false", "yes", "no", "on", "off", "y", "n"].contains(text)
            ? text : quoted(text)
    }
}

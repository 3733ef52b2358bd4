/// "Did you mean …?" for unknown keys and variables: the known name with the smallest edit
/// distance, when it is close enough to be a typo.
enum KeySuggestion {
    /// Compares dotted names (and group names) whole, and also by their last part alone, so a key
    /// put in the wrong group (`limits.stall`, or `stall` at the top) finds `timeouts.stall`.
    static func closestName(to name: String) -> String? {
        let candidates = RelayConfiguration.keys.map(\.name) + RelayConfiguration.groups
        let lowered = name.lowercased()
        let leaf = lowered.split(separator: ".").last.map(String.init) ?? lowered
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let candidateLowered = candidate.lowercased()
            let candidateLeaf = candidateLowered.split(separator: ".").last.map(String.init) ?? candidateLowered
            let distance = min(
                editDistance(lowered, candidateLowered),
                editDistance(leaf, candidateLeaf) + 1)
            if distance <= max(2, leaf.count / 3), distance < (best?.distance ?? .max) {
                best = (candidate, distance)
            }
        }
        return best?.name
    }

    /// Only a near miss (two edits or fewer after the prefix) counts: other `SHARE_RELAY_*`
    /// variables belong to other tools and are left alone.
    static func closestVariable(to variable: String) -> String? {
        var best: (name: String, distance: Int)?
        for candidate in RelayConfiguration.keysByVariable.keys.sorted() {
            let distance = editDistance(variable, candidate)
            if distance <= 2, distance < (best?.distance ?? .max) {
                best = (candidate, distance)
            }
        }
        return best?.name
    }

    /// Levenshtein distance over characters (names are short; one row of memory).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var diagonal = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let above = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1))
                diagonal = above
            }
        }
        return row[b.count]
    }
}

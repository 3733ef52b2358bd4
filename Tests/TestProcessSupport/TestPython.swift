import Foundation

/// The Python interpreter the interop tests use as an independent peer (Python `websockets`,
/// `ssl`, `prometheus_client`). `scripts/test.sh` creates a virtual environment with those
/// packages, sets SHARE_RELAY_TEST_PYTHON to it and SHARE_RELAY_REQUIRE_INTEROP=1, so in CI a
/// missing peer fails the tests instead of skipping them.
public enum TestPython {
    /// Where to look, in order: SHARE_RELAY_TEST_PYTHON; the virtual environment `scripts/test.sh`
    /// makes (SHARE_RELAY_TEST_VENV, default `${XDG_CACHE_HOME:-~/.cache}/share-relay/test-venv`);
    /// the system's `/usr/bin/python3`.
    public static var candidates: [String] {
        let environment = ProcessInfo.processInfo.environment
        let cache = environment["XDG_CACHE_HOME"] ?? (NSHomeDirectory() as NSString).appendingPathComponent(".cache")
        let venv = environment["SHARE_RELAY_TEST_VENV"] ?? (cache as NSString).appendingPathComponent("share-relay/test-venv")
        return [environment["SHARE_RELAY_TEST_PYTHON"], (venv as NSString).appendingPathComponent("bin/python"), "/usr/bin/python3"]
            .compactMap { $0 }
    }

    /// Whether the interop tests must run (and fail without a peer) rather than be skipped.
    public static var isRequired: Bool { ProcessInfo.processInfo.environment["SHARE_RELAY_REQUIRE_INTEROP"] == "1" }

    /// The first candidate that can `import module` (a dotted name), or nil. Blocks while it
    /// probes (one short child per candidate).
    public static func find(importing module: String) -> String? {
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            if (try? SpawnedProcess.runBlocking(candidate, ["-c", "import \(module)"], timeout: 20))?.status == 0 { return candidate }
        }
        return nil
    }

    /// Whether tests that need `python` should run: when it was found, and also when it is
    /// required (they then fail, naming what is missing).
    public static func shouldRun(with python: String?) -> Bool { python != nil || isRequired }

    /// The peer script `name` in the `Interop` folder beside the calling source file.
    public static func interopScript(_ name: String, besideFile file: String = #filePath) -> String {
        URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("Interop").appendingPathComponent(name).path
    }
}

import Foundation
import NIOHTTP1
@testable import RelayServer
import Testing

/// A web directory in a fresh temporary folder, with a secret file beside it (outside) and
/// symlinks pointing in and out, for the traversal tests.
struct TemporaryWebDirectory {
    let parent: String
    var path: String { parent + "/web" }
    static let indexHTML = "<!doctype html><title>viewer</title>"

    init() throws {
        parent = (NSTemporaryDirectory() as NSString).appendingPathComponent("static-files-\(UUID().uuidString)")
        let files = FileManager.default
        try files.createDirectory(atPath: parent + "/web/assets/icons", withIntermediateDirectories: true)
        try files.createDirectory(atPath: parent + "/outside", withIntermediateDirectories: true)
        try Self.indexHTML.write(toFile: path + "/index.html", atomically: true, encoding: .utf8)
        try "<!doctype html><title>console</title>".write(toFile: path + "/console.html", atomically: true, encoding: .utf8)
        try "export const x = 1;\n".write(toFile: path + "/assets/viewer.js", atomically: true, encoding: .utf8)
        try "body { color: red; }\n".write(toFile: path + "/assets/style.css", atomically: true, encoding: .utf8)
        try "<svg/>".write(toFile: path + "/assets/icons/logo.svg", atomically: true, encoding: .utf8)
        try "hidden".write(toFile: path + "/assets/.env", atomically: true, encoding: .utf8)
        try "top secret".write(toFile: parent + "/secret.txt", atomically: true, encoding: .utf8)
        try "also secret".write(toFile: parent + "/outside/inner.txt", atomically: true, encoding: .utf8)
        // Out of the directory: a file symlink and a directory symlink.
        try files.createSymbolicLink(atPath: path + "/assets/escape.txt", withDestinationPath: "../../secret.txt")
        try files.createSymbolicLink(atPath: path + "/assets/outside", withDestinationPath: parent + "/outside")
        // Inside the directory: allowed.
        try files.createSymbolicLink(atPath: path + "/assets/alias.css", withDestinationPath: "style.css")
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: parent)
    }
}

@Suite(.timeLimit(.minutes(1))) final class StaticFilesTests {
    let relay = TestRelay()
    let web: TemporaryWebDirectory

    init() throws {
        web = try TemporaryWebDirectory()
    }

    deinit {
        relay.remove()
        web.remove()
    }

    private func get(_ path: String, method: String = "GET", headers: [String] = []) async throws -> RawResponse {
        let connection = try await relay.connect()
        let lines = ["\(method) \(path) HTTP/1.1", "Host: test"] + headers
        try await connection.send(lines.joined(separator: "\r\n") + "\r\n\r\n")
        let response = try await connection.readResponse(isHeadResponse: method == "HEAD")
        await connection.close()
        return response
    }

    private func start() async throws {
        let directory = web.path
        try await relay.start { $0.webDirectory = directory }
    }

    @Test(arguments: ["/", "/s", "/console"])
    func pagesAreServedAsHTMLWithSecurityHeaders(path: String) async throws {
        try await start()
        let response = try await get(path)
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "text/html; charset=utf-8")
        #expect(response.headers["content-security-policy"] == "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
        #expect(response.headers["x-content-type-options"] == "nosniff")
        #expect(response.headers["referrer-policy"] == "no-referrer")
        #expect(response.headers["cache-control"] == "no-cache")
        #expect(response.headers["etag"]?.hasPrefix("\"") == true)
        #expect(response.body.contains(path == "/console" ? "console" : "viewer"))
        await relay.stop()
    }

    @Test func viewerRoutesServeTheSameFileWhateverTheQuery() async throws {
        try await start()
        let plain = try await get("/s")
        let query = try await get("/s?utm=1")
        #expect(plain.body == TemporaryWebDirectory.indexHTML)
        #expect(query.body == plain.body)
        await relay.stop()
    }

    @Test(arguments: [
        ("/assets/viewer.js", "text/javascript; charset=utf-8"),
        ("/assets/style.css", "text/css; charset=utf-8"),
        ("/assets/icons/logo.svg", "image/svg+xml"),
    ])
    func assetsAreServedWithTheirContentType(path: String, contentType: String) async throws {
        try await start()
        let response = try await get(path)
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == contentType)
        #expect(response.headers["x-content-type-options"] == "nosniff")
        #expect(response.headers["content-security-policy"] != nil)
        await relay.stop()
    }

    @Test func headAnswersTheHeadersOfGetWithoutABody() async throws {
        try await start()
        let connection = try await relay.connect()
        try await connection.send("HEAD /assets/viewer.js HTTP/1.1\r\nHost: test\r\n\r\nGET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        let head = try await connection.readResponse(isHeadResponse: true)
        let next = try await connection.readResponse()
        #expect(head.status == 200)
        #expect(head.headers["content-length"] == "20")
        #expect(head.body.isEmpty)
        // The next response starts right after the headers: no stray body bytes in between.
        #expect(next.body == #"{"status":"ok"}"#)
        await connection.close()
        await relay.stop()
    }

    @Test func matchingIfNoneMatchIsAnswered304WithoutABody() async throws {
        try await start()
        let first = try await get("/console")
        let etag = try #require(first.headers["etag"])
        let second = try await get("/console", headers: ["If-None-Match: W/\"other\", \(etag)"])
        #expect(second.status == 304)
        #expect(second.body.isEmpty)
        #expect(second.headers["content-length"] == nil)
        #expect(second.headers["etag"] == etag)
        #expect(second.headers["content-security-policy"] != nil)
        let stale = try await get("/console", headers: ["If-None-Match: \"stale\""])
        #expect(stale.status == 200)
        await relay.stop()
    }

    @Test(arguments: [
        "/assets/../index.html",
        "/assets/../../secret.txt",
        "/assets/%2e%2e/%2e%2e/secret.txt",
        "/assets/%2E%2E%2Fsecret.txt",
        "/assets/..%2f..%2fsecret.txt",
        "/../secret.txt",
        "/assets//etc/passwd",
        "//etc/passwd",
        "/etc/passwd",
        "http://test/etc/passwd",
        "/assets/escape.txt",
        "/assets/outside/inner.txt",
        "/assets/.env",
        "/assets/",
        "/assets/icons",
        "/index.html",
        "/assets/viewer.js/",
    ])
    func pathsOutsideTheRoutesAre404(path: String) async throws {
        try await start()
        let response = try await get(path)
        #expect(response.status == 404)
        #expect(!response.body.contains("top secret") && !response.body.contains("also secret") && !response.body.contains("hidden"))
        await relay.stop()
    }

    @Test func symlinkInsideTheDirectoryIsServed() async throws {
        try await start()
        let response = try await get("/assets/alias.css")
        #expect(response.status == 200)
        #expect(response.body == "body { color: red; }\n")
        await relay.stop()
    }

    @Test func otherMethodsOnAPageAre405WithAllow() async throws {
        try await start()
        let response = try await get("/console", method: "POST", headers: ["Content-Length: 0"])
        #expect(response.status == 405)
        #expect(response.headers["allow"] == "GET, HEAD")
        #expect(response.headers["x-content-type-options"] == "nosniff")
        await relay.stop()
    }

    @Test func noWebDirectoryServesNoPagesButTheRestWorks() async throws {
        try await relay.start { $0.webDirectory = nil }
        #expect(try await get("/").status == 404)
        #expect(try await get("/healthz").status == 200)
        await relay.stop()
    }

    // MARK: Loading

    @Test func loadingServesOnlyFilesInsideTheDirectory() {
        let files = StaticFiles.load(directory: web.path)
        #expect(files.routes == ["/", "/assets/alias.css", "/assets/icons/logo.svg", "/assets/style.css", "/assets/viewer.js", "/console", "/s"])
        #expect(files.warnings.contains { $0.contains("assets/escape.txt") })
    }

    @Test func missingDirectoryIsAWarningNotAFailure() {
        let files = StaticFiles.load(directory: web.parent + "/nope")
        #expect(files.routes.isEmpty)
        #expect(files.warnings == ["web directory \(web.parent)/nope not found; the viewer and console pages are not served"])
    }

    @Test func filesOverTheSizeLimitAreNotServed() {
        let files = StaticFiles.load(directory: web.path, maximumFileBytes: 25)
        #expect(files.routes.contains("/assets/viewer.js"))
        #expect(!files.routes.contains("/"))
        #expect(files.warnings.contains { $0.contains("index.html") && $0.contains("larger than 25 bytes") })
    }

    @Test(arguments: [("a.js", true), ("icons/logo.svg", true), (".env", false), ("a/../b.js", false), ("a//b.js", false), ("a b.js", false), ("%2e.js", false)])
    func servableNamesArePlainSegments(name: String, servable: Bool) {
        #expect(StaticFiles.isServableName(name) == servable)
    }

    @Test func theRepositoryWebDirectoryHasEveryPage() {
        // The real pages, as the relay serves them from the package root by default.
        let files = StaticFiles.load(directory: RelayServerConfiguration.defaultWebDirectory)
        #expect(Set(["/", "/s", "/console", "/assets/viewer.js", "/assets/console.js", "/assets/style.css"]).isSubset(of: Set(files.routes)))
        #expect(files.warnings.isEmpty)
    }
}

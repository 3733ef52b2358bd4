import Foundation
import NIOHTTP1
import ShareStore

/// The web pages (viewer, owner console) and their assets, read into memory once at start.
///
/// Routes: `/` and `/s` serve `index.html` (the viewer), `/console` serves `console.html`, and
/// `/assets/<path>` serves the files under `assets/`. Only files found when loading are served,
/// looked up by the exact request path, so nothing a client writes (`..`, `%2e%2e`, `//`, an
/// absolute path) can name a file outside the directory: such paths simply match no route. A
/// symlink is followed only when it resolves to a file inside the directory. Holding the files
/// in memory also keeps disk reads off the event loops; editing `web/` takes a restart.
///
/// Every answer carries the security headers below (a strict CSP with no inline script or
/// style), `Cache-Control: no-cache` with a strong `ETag` (clients revalidate and usually get
/// 304: assets are not fingerprinted, so a max-age could pair a new page with an old script).
public struct StaticFiles: Sendable {
    struct File: Sendable {
        var contentType: String
        var body: [UInt8]
        var etag: String
    }

    public static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
        + "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

    /// Headers on every answer of a static route, 404 and 405 included.
    public static let securityHeaders: [(String, String)] = [
        ("content-security-policy", contentSecurityPolicy),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", "DENY"),
        ("cross-origin-opener-policy", "same-origin"),
    ]

    /// The page routes and the file each serves.
    public static let pages: [String: String] = ["/": "index.html", "/s": "index.html", "/console": "console.html"]
    public static let assetsPrefix = "/assets/"

    /// Default limits: a site larger than this is a mistake, not something to hold in memory.
    public static let defaultMaximumFileBytes = 4 << 20
    public static let defaultMaximumFiles = 1024

    private let files: [String: File]
    /// Problems found while loading (missing directory, skipped files), for the operator's log.
    public let warnings: [String]

    /// The request paths served, sorted (for logs and tests).
    public var routes: [String] { files.keys.sorted() }

    /// Reads the pages and `assets/` under `directory` (relative paths are relative to the
    /// working directory). A missing directory or page is a warning, not a failure: the relay
    /// still serves RPC and WebSockets.
    public static func load(
        directory: String,
        maximumFileBytes: Int = defaultMaximumFileBytes,
        maximumFiles: Int = defaultMaximumFiles
    ) -> StaticFiles {
        var warnings: [String] = []
        guard let root = realPath(directory), isDirectory(root) else {
            return StaticFiles(files: [:], warnings: ["web directory \(directory) not found; the viewer and console pages are not served"])
        }
        var files: [String: File] = [:]

        func add(route: String, relativePath: String) {
            guard files.count < maximumFiles else {
                warnings.append("more than \(maximumFiles) files in \(directory); \(relativePath) and later ones are not served")
                return
            }
            let path = root + "/" + relativePath
            // The resolved file must lie inside the directory: a symlink out of it is refused.
            guard let resolved = realPath(path), resolved.hasPrefix(root + "/"), isRegularFile(resolved) else {
                if FileManager.default.fileExists(atPath: path) || isSymlink(path) {
                    warnings.append("\(relativePath) in \(directory) is not a regular file inside the directory; not served")
                }
                return
            }
            guard let data = FileManager.default.contents(atPath: resolved) else {
                warnings.append("cannot read \(relativePath) in \(directory)")
                return
            }
            guard data.count <= maximumFileBytes else {
                warnings.append("\(relativePath) in \(directory) is larger than \(maximumFileBytes) bytes; not served")
                return
            }
            let body = [UInt8](data)
            let digest = SecretComparison.sha256(body).prefix(12).map { String($0, radix: 16).leftPadded(to: 2) }.joined()
            files[route] = File(contentType: contentType(forExtension: (relativePath as NSString).pathExtension), body: body, etag: "\"\(digest)\"")
        }

        for (route, file) in pages.sorted(by: { $0.key < $1.key }) {
            add(route: route, relativePath: file)
            if files[route] == nil { warnings.append("\(file) missing in \(directory); \(route) is not served") }
        }
        let assets = root + "/assets"
        if isDirectory(assets), let subpaths = try? FileManager.default.subpathsOfDirectory(atPath: assets) {
            for subpath in subpaths.sorted() where isServableName(subpath) {
                let relative = "assets/" + subpath
                if isDirectory(root + "/" + relative) { continue }
                add(route: assetsPrefix + subpath, relativePath: relative)
            }
        }
        return StaticFiles(files: files, warnings: warnings)
    }

    private init(files: [String: File], warnings: [String]) {
        self.files = files
        self.warnings = warnings
    }

    /// The answer for a request path (without its query), or nil when no static route has it.
    func response(method: HTTPMethod, path: String, ifNoneMatch: String?) -> HTTPResponse? {
        guard let file = files[path] else { return nil }
        guard method == .GET || method == .HEAD else {
            var response = HTTPResponse.methodNotAllowed(method, path, allow: "GET, HEAD")
            response.headers += Self.securityHeaders
            return response
        }
        var headers = [("content-type", file.contentType), ("cache-control", "no-cache"), ("etag", file.etag)]
        headers += Self.securityHeaders
        if let ifNoneMatch, Self.matches(ifNoneMatch, etag: file.etag) {
            return HTTPResponse(status: .notModified, headers: headers, body: [])
        }
        return HTTPResponse(status: .ok, headers: headers, body: file.body)
    }

    /// `If-None-Match`: `*` or a list of entity tags, weak ones compared weakly (RFC 9110 §13.1.2).
    static func matches(_ ifNoneMatch: String, etag: String) -> Bool {
        ifNoneMatch.split(separator: ",").contains { candidate in
            var tag = candidate.trimmingCharacters(in: .whitespaces)
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            return tag == etag
        }
    }

    static func contentType(forExtension pathExtension: String) -> String {
        switch pathExtension.lowercased() {
        case "html", "htm": return "text/html; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "json", "map": return "application/json"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "webp": return "image/webp"
        case "ico": return "image/x-icon"
        case "woff2": return "font/woff2"
        case "txt": return "text/plain; charset=utf-8"
        default: return "application/octet-stream"
        }
    }

    /// Path segments of `[A-Za-z0-9._-]`, none empty or starting with a dot (no hidden files,
    /// no `.` or `..`): the only asset names that get a route.
    static func isServableName(_ subpath: String) -> Bool {
        subpath.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { segment in
            guard let first = segment.first, first != "." else { return false }
            return segment.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                    return true
                default:
                    return false
                }
            }
        }
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    private static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    private static func isSymlink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

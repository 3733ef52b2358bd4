#if canImport(Glibc)
import Glibc
#endif

/// A tiny blocking HTTP/1.1 client for the share RPC (`POST /rpc`), so the bench needs no server
/// module. One request per connection; only used outside the measured phases (except revoke,
/// where the RPC's own duration is part of the result).
struct ShareRPCClient {
    let host: String
    let port: Int
    let ownerKey: String

    /// `session.share`: returns the new share token.
    func createShare(session: String, expiresIn: Int = 3600) throws -> String {
        let body = #"{"jsonrpc":"2.0","id":1,"method":"session.share","params":{"session_id":"\#(session)","expires_in":\#(expiresIn)}}"#
        let answer = try post(body: body)
        guard let token = Self.stringMember("shareToken", in: answer) else {
            throw BenchError.rpcFailed("no shareToken in answer: \(answer.prefix(300))")
        }
        return token
    }

    /// `session.revokeShare`.
    func revokeShare(token: String) throws {
        let body = #"{"jsonrpc":"2.0","id":2,"method":"session.revokeShare","params":{"share_token":"\#(token)"}}"#
        let answer = try post(body: body)
        guard answer.contains("\"result\"") else {
            throw BenchError.rpcFailed("revokeShare: \(answer.prefix(300))")
        }
    }

    /// Sends one POST and returns the response body (the status must be 200).
    func post(body: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError.rpcFailed("socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &address.sin_addr) == 1 else {
            throw BenchError.rpcFailed("only IPv4 literal hosts are supported, got \(host)")
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw BenchError.rpcFailed("connect to \(host):\(port): errno \(errno)") }
        let bodyBytes = Array(body.utf8)
        let head = "POST /rpc HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Type: application/json\r\n"
            + "Authorization: Bearer \(ownerKey)\r\nContent-Length: \(bodyBytes.count)\r\nConnection: close\r\n\r\n"
        let request = Array(head.utf8) + bodyBytes
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw BenchError.rpcFailed("send: errno \(errno)") }
            sent += n
        }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { break }
            response.append(contentsOf: chunk[0..<n])
        }
        let text = String(decoding: response, as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 200") else {
            throw BenchError.rpcFailed(text.isEmpty ? "no response" : String(text.prefix(300)))
        }
        guard let split = text.firstRange(of: "\r\n\r\n") else { throw BenchError.rpcFailed("no header end") }
        return String(text[split.upperBound...])
    }

    /// The value of a string member `"name":"value"` (no escapes expected in tokens).
    static func stringMember(_ name: String, in json: String) -> String? {
        guard let start = json.firstRange(of: "\"\(name)\":\"") else { return nil }
        let rest = json[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }
}

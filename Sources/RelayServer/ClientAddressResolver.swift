import NIOCore
import NIOHTTP1
import RelayConfiguration
import WebSocket

/// Who the client of a request is, for the per-address limits (wrong owner keys, viewer
/// handshakes) and for logs, when the relay may sit behind reverse proxies.
///
/// The rule: when the TCP peer is a trusted proxy, the client is the right-most
/// `X-Forwarded-For` entry (all such headers joined in order) that is not itself a trusted proxy;
/// every proxy appends the address it received the request from, so the entries right of the first
/// untrusted one were written by proxies we trust, and everything left of it may be invented by
/// the client. If every entry is trusted, the left-most one. Without `X-Forwarded-For`,
/// `X-Real-IP`. If there is neither, or the deciding entry is not an IP address, the peer.
/// When the peer is not trusted, forwarded headers are ignored: a client cannot choose its address.
///
/// Addresses from headers are returned in canonical form (`IPAddress.description`), so one
/// client cannot get several rate-limit budgets by spelling its address differently.
public struct ClientAddressResolver: Sendable {
    public let trustedProxies: [IPAddressRange]

    /// With no trusted proxies (the default) the peer address is always the client address.
    public init(trustedProxies: [IPAddressRange] = []) {
        self.trustedProxies = trustedProxies
    }

    /// The client address of a request received from `peer` (its IP address as text) with these
    /// `X-Forwarded-For` header values (in order) and `X-Real-IP` value.
    public func clientAddress(peer: String, forwardedFor: [String], realIP: String?) -> String {
        guard !trustedProxies.isEmpty, let peerAddress = IPAddress(parsing: peer), isTrusted(peerAddress) else {
            return peer
        }
        var leftmostTrusted: IPAddress?
        for header in forwardedFor.reversed() {
            for entry in header.split(separator: ",", omittingEmptySubsequences: true).reversed() {
                let text = entry.trimmingOptionalWhitespace()
                if text.isEmpty { continue }
                guard let address = Self.forwardedAddress(text) else { return peer }
                if !isTrusted(address) { return address.description }
                leftmostTrusted = address
            }
        }
        if let leftmostTrusted { return leftmostTrusted.description }
        if let realIP, let address = Self.forwardedAddress(Substring(realIP).trimmingOptionalWhitespace()) {
            return address.description
        }
        return peer
    }

    /// The client address of a request on a channel whose peer is `peer`.
    func clientAddress(peer: SocketAddress?, headers: HTTPHeaders) -> String {
        let peerText = peer?.ipAddress ?? "unknown"
        guard !trustedProxies.isEmpty else { return peerText }
        return clientAddress(
            peer: peerText, forwardedFor: headers[canonicalForm: "x-forwarded-for"].map(String.init),
            realIP: headers.first(name: "x-real-ip")
        )
    }

    func isTrusted(_ address: IPAddress) -> Bool {
        trustedProxies.contains { $0.contains(address) }
    }

    /// An address as proxies write it: `192.0.2.1`, `2001:db8::1`, and the forms with a port some
    /// proxies use, `192.0.2.1:4711` and `[2001:db8::1]:4711`. nil for anything else (`unknown`).
    static func forwardedAddress(_ text: Substring) -> IPAddress? {
        if text.first == "[" {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let rest = text[text.index(after: close)...]
            guard rest.isEmpty || (rest.first == ":" && isPort(rest.dropFirst()))
            else { return nil }
            return IPAddress(parsing: text[text.index(after: text.startIndex)..<close])
        }
        if let colon = text.firstIndex(of: ":"), text.lastIndex(of: ":") == colon {
            // One colon: IPv4 with a port (an IPv6 address has at least two).
            let port = text[text.index(after: colon)...]
            guard isPort(port) else { return nil }
            return IPAddress(parsing: text[..<colon])
        }
        return IPAddress(parsing: text)
    }

    private static func isPort(_ text: Substring) -> Bool {
        !text.isEmpty && text.count <= 5 && text.utf8.allSatisfy { (0x30...0x39).contains($0) }
    }
}

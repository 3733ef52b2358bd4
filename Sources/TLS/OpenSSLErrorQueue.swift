import COpenSSL

/// OpenSSL reports failures on a per-thread error queue. Every failing call site drains it, so an
/// error never leaks into the next connection handled on the same event loop thread.
enum OpenSSLErrorQueue {
    /// Drains the queue and joins its entries; `fallback` when the queue was empty.
    static func drain(fallback: String = "unknown OpenSSL error") -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return reasons.isEmpty ? fallback : reasons.joined(separator: "; ")
    }

    /// Forgets whatever earlier calls left behind, before a call whose failure we want to report alone.
    static func clear() {
        ERR_clear_error()
    }
}

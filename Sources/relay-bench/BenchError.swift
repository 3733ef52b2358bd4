/// Why a bench run could not be carried out (as opposed to what it measured).
enum BenchError: Error, CustomStringConvertible {
    case invalidURL(String)
    case missingOwnerKey
    case rpcFailed(String)
    case presenterRefused(String)
    case viewersNotReady(ready: Int, wanted: Int, firstError: String?)
    case unsupported(String)

    var description: String {
        switch self {
        case .invalidURL(let url): "invalid --url \(url) (expected http://host:port)"
        case .missingOwnerKey: "the relay protocol needs --owner-key or SHARE_RELAY_OWNER_KEY"
        case .rpcFailed(let why): "share RPC failed: \(why)"
        case .presenterRefused(let why): "presenter could not publish: \(why)"
        case .viewersNotReady(let ready, let wanted, let firstError):
            "only \(ready) of \(wanted) viewers became ready" + (firstError.map { " (first error: \($0))" } ?? "")
        case .unsupported(let why): "unsupported: \(why)"
        }
    }
}

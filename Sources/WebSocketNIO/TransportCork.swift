import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// TCP_CORK on a channel's socket (Linux): while set, the kernel holds partial segments back, so
/// a write followed by a shutdown of the write side leaves as one segment carrying the data and
/// the FIN. The shutdown (or lifting the cork) sends what is held; Linux also sends it after
/// 200 ms on its own. Elsewhere, and on channels without a socket, nothing happens.
enum TransportCork {
    /// Sets or lifts the cork; true when the socket took it.
    static func set(_ corked: Bool, on channel: Channel) -> Bool {
        #if os(Linux)
        let option = ChannelOptions.Types.SocketOption(level: .tcp, name: NIOBSDSocket.Option(rawValue: CInt(TCP_CORK)))
        guard let options = channel.syncOptions else { return false }
        do {
            try options.setOption(option, value: corked ? 1 : 0)
            return true
        } catch {
            return false
        }
        #else
        return false
        #endif
    }
}

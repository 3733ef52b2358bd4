// Reference peer for relay-bench: the broadcast server a typical developer writes on SwiftNIO's
// NIOWebSocket. Viewers connect to /v1/view, a presenter to /v1/sessions/<id>/publish; no auth;
// each presenter text message is written verbatim to every viewer with channel.writeAndFlush.
// Comparison only; never part of the product.
//
//     nio-websocket-broadcast --port 9101 [--threads N]

import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// Every viewer channel, across event loops.
final class ViewerSet: @unchecked Sendable {
    private let lock = NIOLock()
    private var channels: [ObjectIdentifier: Channel] = [:]

    func add(_ channel: Channel) { lock.withLock { channels[ObjectIdentifier(channel)] = channel } }
    func remove(_ channel: Channel) { lock.withLock { _ = channels.removeValue(forKey: ObjectIdentifier(channel)) } }
    func all() -> [Channel] { lock.withLock { Array(channels.values) } }
}

let viewers = ViewerSet()

final class BroadcastHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    let isPresenter: Bool
    private var awaitingClose = false

    init(isPresenter: Bool) { self.isPresenter = isPresenter }

    func handlerAdded(context: ChannelHandlerContext) {
        if !isPresenter { viewers.add(context.channel) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !isPresenter { viewers.remove(context.channel) }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text where isPresenter:
            let payload = frame.unmaskedData
            for viewer in viewers.all() {
                viewer.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, data: payload), promise: nil)
            }
        case .connectionClose:
            guard !awaitingClose else { return }
            awaitingClose = true
            var data = frame.unmaskedData
            let code = data.readSlice(length: min(2, data.readableBytes)) ?? context.channel.allocator.buffer(capacity: 0)
            let reply = WebSocketFrame(fin: true, opcode: .connectionClose, data: code)
            context.writeAndFlush(wrapOutboundOut(reply)).whenComplete { _ in context.close(promise: nil) }
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        default:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}

var host = "127.0.0.1"
var port = 9101
var threads = System.coreCount
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--host": host = arguments.next() ?? host
    case "--port": port = Int(arguments.next() ?? "") ?? port
    case "--threads": threads = Int(arguments.next() ?? "") ?? threads
    default: print("usage: nio-websocket-broadcast [--host H] [--port P] [--threads N]"); exit(2)
    }
}

let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
let upgrader = NIOWebSocketServerUpgrader(
    maxFrameSize: 1 << 24,
    shouldUpgrade: { channel, head in
        let path = head.uri.split(separator: "?").first.map(String.init) ?? head.uri
        let known = path == "/v1/view" || (path.hasPrefix("/v1/sessions/") && path.hasSuffix("/publish"))
        return channel.eventLoop.makeSucceededFuture(known ? HTTPHeaders() : nil)
    },
    upgradePipelineHandler: { channel, head in
        let isPresenter = head.uri.hasPrefix("/v1/sessions/")
        return channel.pipeline.addHandler(BroadcastHandler(isPresenter: isPresenter))
    }
)
let bootstrap = ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 4096)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelInitializer { channel in
        channel.pipeline.configureHTTPServerPipeline(withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
    }
let channel = try bootstrap.bind(host: host, port: port).wait()
print("nio-websocket-broadcast listening on \(channel.localAddress!)")
try channel.closeFuture.wait()

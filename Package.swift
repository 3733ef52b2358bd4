// swift-tools-version: 6.1
// ShareRelay: a read-only live-view relay. Dependencies point one way:
// WebSocket (pure protocol) <- WebSocketNIO (I/O) <- Relay (domain) <- RelayServer <- executables.
import PackageDescription

let package = Package(
    name: "ShareRelay",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "share-relay", targets: ["share-relay"]),
        .executable(name: "ws-echo", targets: ["ws-echo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    ],
    targets: [
        // System C libraries (module maps only).
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),

        // Sans-I/O RFC 6455 + RFC 7692. Uses NIOCore only for ByteBuffer; never sockets, channels or clocks.
        .target(
            name: "WebSocket",
            dependencies: [
                "COpenSSL", "CZlib",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // SwiftNIO adapters: server upgrade from NIOHTTP1, client connect, channel handlers.
        .target(
            name: "WebSocketNIO",
            dependencies: [
                "WebSocket",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // TLS 1.2/1.3 for NIO channels with the system OpenSSL (memory BIOs), certificate reload.
        .target(name: "TLS", dependencies: ["COpenSSL", .product(name: "NIOCore", package: "swift-nio")]),
        // Thin, typed wrapper over the system SQLite C API.
        .target(name: "SQLite", dependencies: ["CSQLite"]),
        // Shares: model, token generator, storage protocol and its SQLite implementation.
        .target(name: "ShareStore", dependencies: ["SQLite", "COpenSSL"]),
        // JSON-RPC 2.0 envelope and the session.* methods.
        .target(name: "RPC", dependencies: ["ShareStore"]),
        // Relay domain: sessions, event log, viewers as cursors, presence, revocation and expiry.
        .target(
            name: "Relay",
            dependencies: [
                "WebSocket", "ShareStore", "SQLite",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // The one typed configuration value: file (YAML), environment, flags, validation.
        .target(name: "RelayConfiguration", dependencies: [.product(name: "Yams", package: "Yams")]),
        // Linux /proc readers (process CPU, memory, start time, descriptors): /metrics and relay-bench.
        .target(name: "ProcFS"),
        // HTTP routing, WebSocket routes, lifecycle.
        .target(
            name: "RelayServer",
            dependencies: [
                "WebSocket", "WebSocketNIO", "ShareStore", "RPC", "Relay", "RelayConfiguration", "TLS", "ProcFS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "share-relay",
            dependencies: [
                "RelayServer", "Relay", "RelayConfiguration",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "ws-echo",
            dependencies: [
                "WebSocket", "WebSocketNIO",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Load-test client: fan-out, connect, churn, revoke and catch-up scenarios against a relay or a peer.
        .executableTarget(
            name: "relay-bench",
            dependencies: [
                "WebSocket", "WebSocketNIO", "ProcFS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        // Micro-benchmark of the protocol core (frames parsed/s, unmask GB/s, deflate MB/s). Not a test.
        .executableTarget(name: "ws-microbench", dependencies: ["WebSocket"]),

        // Child processes for tests (posix_spawn, not Foundation's Process) and the test Python locator.
        .target(name: "TestProcessSupport", path: "Tests/TestProcessSupport"),
        // A raw WebSocket test client that observes how servers end connections (half-closes).
        .target(
            name: "TestWebSocketSupport",
            dependencies: ["WebSocket", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
            path: "Tests/TestWebSocketSupport"
        ),

        .testTarget(name: "WebSocketTests", dependencies: ["WebSocket"]),
        .testTarget(name: "WebSocketNIOTests", dependencies: ["WebSocket", "WebSocketNIO", "TestProcessSupport", "TestWebSocketSupport"], exclude: ["Interop"]),
        .testTarget(
            name: "TLSTests",
            dependencies: [
                "TLS", "WebSocketNIO", "WebSocket", "TestProcessSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            exclude: ["Interop"]
        ),
        .testTarget(name: "ShareStoreTests", dependencies: ["ShareStore", "SQLite"]),
        .testTarget(name: "RPCTests", dependencies: ["RPC", "ShareStore"]),
        .testTarget(name: "RelayTests", dependencies: ["Relay", "SQLite"]),
        .testTarget(name: "RelayConfigurationTests", dependencies: ["RelayConfiguration"]),
        .testTarget(name: "ProcFSTests", dependencies: ["ProcFS"]),
        .testTarget(name: "RelayServerTests", dependencies: ["RelayServer", "RelayConfiguration", "Relay", "WebSocket", "WebSocketNIO", "TestProcessSupport", "TestWebSocketSupport"]),
    ]
)

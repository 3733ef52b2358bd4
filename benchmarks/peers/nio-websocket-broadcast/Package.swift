// swift-tools-version: 6.1
// Reference peer for relay-bench: a broadcast server on SwiftNIO's own NIOWebSocket.
// Used only for side-by-side comparison; never part of the product.
import PackageDescription

let package = Package(
    name: "nio-websocket-broadcast",
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "nio-websocket-broadcast",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
    ]
)

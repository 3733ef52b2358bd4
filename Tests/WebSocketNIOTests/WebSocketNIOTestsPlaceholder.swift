import Testing
@testable import WebSocketNIO

@Test func WebSocketNIOModuleLinks() {}

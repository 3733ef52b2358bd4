import Testing
@testable import RPC

@Test func RPCModuleLinks() {}

import Testing
@testable import RelayServer

@Test func RelayServerModuleLinks() {}

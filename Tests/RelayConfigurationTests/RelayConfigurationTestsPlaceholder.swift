import Testing
@testable import RelayConfiguration

@Test func RelayConfigurationModuleLinks() {}

import Testing
@testable import ShareStore

@Test func ShareStoreModuleLinks() {}

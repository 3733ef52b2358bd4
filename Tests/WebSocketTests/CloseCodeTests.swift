import Testing

@testable import WebSocket

@Suite("Close codes (RFC 6455 section 7.4)")
struct CloseCodeTests {
    @Test(arguments: [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999] as [UInt16])
    func codesDefinedForTheWireAreAllowed(code: UInt16) {
        #expect(WebSocketCloseCode(rawValue: code).isAllowedOnWire)
    }

    @Test(arguments: [1012, 1013, 1014] as [UInt16])
    func codesRegisteredWithIANAAfterTheRFCAreAllowed(code: UInt16) {
        #expect(WebSocketCloseCode(rawValue: code).isAllowedOnWire)
    }

    @Test(arguments: [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535] as [UInt16])
    func reservedLocalAndUnassignedCodesAreNotAllowed(code: UInt16) {
        #expect(!WebSocketCloseCode(rawValue: code).isAllowedOnWire)
    }

    @Test func namedCodesHaveTheirRFCValues() {
        #expect(WebSocketCloseCode.normalClosure.rawValue == 1000)
        #expect(WebSocketCloseCode.goingAway.rawValue == 1001)
        #expect(WebSocketCloseCode.protocolError.rawValue == 1002)
        #expect(WebSocketCloseCode.unsupportedData.rawValue == 1003)
        #expect(WebSocketCloseCode.noStatusReceived.rawValue == 1005)
        #expect(WebSocketCloseCode.abnormalClosure.rawValue == 1006)
        #expect(WebSocketCloseCode.invalidPayloadData.rawValue == 1007)
        #expect(WebSocketCloseCode.policyViolation.rawValue == 1008)
        #expect(WebSocketCloseCode.messageTooBig.rawValue == 1009)
        #expect(WebSocketCloseCode.mandatoryExtension.rawValue == 1010)
        #expect(WebSocketCloseCode.internalError.rawValue == 1011)
    }

    @Test func descriptionNamesKnownCodes() {
        #expect(WebSocketCloseCode.messageTooBig.description == "1009 (message too big)")
        #expect(WebSocketCloseCode(rawValue: 4321).description == "4321")
    }

    @Test func protocolErrorsMapToTheirCloseCodes() {
        #expect(WebSocketProtocolError.invalidUTF8.closeCode == .invalidPayloadData)
        #expect(WebSocketProtocolError.invalidCloseReason.closeCode == .invalidPayloadData)
        #expect(WebSocketProtocolError.messageTooBig(limit: 1).closeCode == .messageTooBig)
        #expect(WebSocketProtocolError.frameTooLarge(length: 2, limit: 1).closeCode == .messageTooBig)
        #expect(WebSocketProtocolError.closePayloadTooShort.closeCode == .protocolError)
        #expect(WebSocketProtocolError.invalidCloseCode(1005).closeCode == .protocolError)
        #expect(WebSocketFailure.keepaliveTimeout.closeCode == .internalError)
    }
}

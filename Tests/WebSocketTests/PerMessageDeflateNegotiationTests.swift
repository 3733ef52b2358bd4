import Testing
@testable import WebSocket

// RFC 7692 sections 5 and 7.1: parsing Sec-WebSocket-Extensions, the server's choice of an offer
// and its answer for each parameter, and the client's checks of the answer.

private func serverAnswer(_ headerValues: [String], options: PerMessageDeflateOptions = .init()) -> PerMessageDeflateParameters? {
    PerMessageDeflateNegotiation.acceptFirstOffer(WebSocketHandshakeExtensions.parse(headerValues.map { $0[...] }), options: options)
}

private func serverAnswer(_ headerValue: String, options: PerMessageDeflateOptions = .init()) -> PerMessageDeflateParameters? {
    serverAnswer([headerValue], options: options)
}

private func clientCheck(_ response: String, offered options: PerMessageDeflateOptions = .init()) -> Result<PerMessageDeflateParameters, PerMessageDeflateNegotiationFailure> {
    let element = WebSocketHandshakeExtensions.parse([response[...]])[0]!
    return PerMessageDeflateNegotiation.validateResponse(element, options: options)
}

@Suite struct PerMessageDeflateNegotiationTests {
    // MARK: Header syntax

    @Test func extensionHeaderParsesNamesParametersAndQuotedValues() {
        let parsed = WebSocketHandshakeExtensions.parse(["permessage-deflate ; client_max_window_bits ;server_max_window_bits = \"10\", x-foo"])
        #expect(parsed == [
            WebSocketHandshakeExtension(name: "permessage-deflate", parameters: [
                .init(name: "client_max_window_bits", value: nil), .init(name: "server_max_window_bits", value: "10"),
            ]),
            WebSocketHandshakeExtension(name: "x-foo", parameters: []),
        ])
    }

    @Test func malformedElementIsMarkedAndParsingResumesAfterItsComma() {
        let parsed = WebSocketHandshakeExtensions.parse(["a; p=\"x,y\", b; q=\"bad token\", ; c, d; =1, e"])
        #expect(parsed.count == 5)
        #expect(parsed[0] == nil)  // "x,y" is not a token once unquoted
        #expect(parsed[1] == nil)  // "bad token" has a space
        #expect(parsed[2] == nil)  // parameters without a name
        #expect(parsed[3] == nil)  // parameter without a name
        #expect(parsed[4]?.name == "e")
    }

    @Test func emptyListElementsAreSkipped() {
        #expect(WebSocketHandshakeExtensions.parse([" , ,permessage-deflate,, "]).map { $0?.name } == ["permessage-deflate"])
    }

    @Test func quotedValueUnescapesBackslashes() {
        let parsed = WebSocketHandshakeExtensions.parse(["x; p=\"1\\0\""])
        #expect(parsed[0]?.parameters == [.init(name: "p", value: "10")])
    }

    // MARK: Server: which offer

    @Test func noOfferMeansNoDeflate() {
        #expect(serverAnswer([]) == nil)
        #expect(serverAnswer("x-webkit-deflate-frame") == nil)
    }

    @Test func plainOfferIsAcceptedWithoutParameters() throws {
        let answer = try #require(serverAnswer("permessage-deflate"))
        #expect(answer == PerMessageDeflateParameters())
        #expect(answer.responseHeaderValue == "permessage-deflate")
        #expect(answer.serverWindowBits == 15 && answer.clientWindowBits == 15)
    }

    @Test func extensionNameIsMatchedCaseInsensitively() {
        #expect(serverAnswer("PerMessage-Deflate") == PerMessageDeflateParameters())
    }

    @Test func firstAcceptableOfferWins() {
        let answer = serverAnswer("permessage-deflate; server_max_window_bits=10, permessage-deflate")
        #expect(answer == PerMessageDeflateParameters(serverMaxWindowBits: 10))
    }

    @Test func otherExtensionsBeforeTheOfferAreIgnored() {
        #expect(serverAnswer("x-webkit-deflate-frame, permessage-deflate; client_max_window_bits") == PerMessageDeflateParameters())
    }

    @Test func offersAreReadAcrossSeveralHeaderLinesInOrder() {
        let answer = serverAnswer(["permessage-deflate; bogus", "permessage-deflate; server_no_context_takeover", "permessage-deflate"])
        #expect(answer == PerMessageDeflateParameters(serverNoContextTakeover: true))
    }

    @Test(arguments: [
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",  // duplicate
        "permessage-deflate; client_max_window_bits; client_max_window_bits=10",        // duplicate
        "permessage-deflate; server_max_window_bits=10; server_max_window_bits=10",     // duplicate
        "permessage-deflate; unknown_parameter",                                        // unknown
        "permessage-deflate; server_no_context_takeover=true",                          // value on a no-value parameter
        "permessage-deflate; client_no_context_takeover=1",                             // value on a no-value parameter
        "permessage-deflate; server_max_window_bits",                                   // value required
        "permessage-deflate; server_max_window_bits=7",                                 // below 8
        "permessage-deflate; server_max_window_bits=16",                                // above 15
        "permessage-deflate; server_max_window_bits=010",                               // leading zero
        "permessage-deflate; server_max_window_bits=+9",                                // sign
        "permessage-deflate; server_max_window_bits=abc",                               // not a number
        "permessage-deflate; client_max_window_bits=0",                                 // below 8
        "permessage-deflate; client_max_window_bits=\"16\"",                            // above 15, quoted
        "permessage-deflate; server_max_window_bits=\"1 0\"",                           // quoted non-token: malformed
    ])
    func invalidOfferIsDeclinedAndTheNextOfferIsTaken(offer: String) {
        #expect(serverAnswer(offer) == nil)
        #expect(serverAnswer("\(offer), permessage-deflate; client_no_context_takeover") == PerMessageDeflateParameters(clientNoContextTakeover: true))
    }

    @Test func quotedWindowBitsAreAccepted() {
        #expect(serverAnswer("permessage-deflate; server_max_window_bits=\"10\"") == PerMessageDeflateParameters(serverMaxWindowBits: 10))
    }

    // MARK: Server: each parameter

    @Test func requestedServerNoContextTakeoverIsEchoed() {
        let answer = serverAnswer("permessage-deflate; server_no_context_takeover")
        #expect(answer?.serverNoContextTakeover == true)
        #expect(answer?.responseHeaderValue == "permessage-deflate; server_no_context_takeover")
    }

    @Test func configuredServerNoContextTakeoverIsAnsweredUnasked() {
        let answer = serverAnswer("permessage-deflate", options: .init(serverNoContextTakeover: true))
        #expect(answer == PerMessageDeflateParameters(serverNoContextTakeover: true))
    }

    @Test func offeredClientNoContextTakeoverIsEchoed() {
        #expect(serverAnswer("permessage-deflate; client_no_context_takeover") == PerMessageDeflateParameters(clientNoContextTakeover: true))
    }

    @Test func configuredClientNoContextTakeoverIsAnsweredUnasked() {
        let answer = serverAnswer("permessage-deflate", options: .init(clientNoContextTakeover: true))
        #expect(answer == PerMessageDeflateParameters(clientNoContextTakeover: true))
        #expect(answer?.responseHeaderValue == "permessage-deflate; client_no_context_takeover")
    }

    @Test(arguments: [
        // (offered server_max_window_bits, our cap, answer)
        (nil, nil, nil), (10, nil, 10), (nil, 11, 11), (12, 10, 10), (9, 12, 9), (8, nil, 8), (15, 15, 15),
    ] as [(Int?, Int?, Int?)])
    func serverMaxWindowBitsIsTheSmallerOfRequestAndCap(offered: Int?, cap: Int?, expected: Int?) {
        let offer = "permessage-deflate" + (offered.map { "; server_max_window_bits=\($0)" } ?? "")
        let answer = serverAnswer(offer, options: .init(serverMaxWindowBits: cap))
        #expect(answer?.serverMaxWindowBits == expected)
        #expect(answer?.serverWindowBits == expected ?? 15)
    }

    @Test(arguments: [
        // (client_max_window_bits in the offer: "" = without value, nil = absent; our cap; answer)
        (nil, nil, nil), (nil, 10, nil), ("", nil, nil), ("", 10, 10), ("12", nil, 12), ("12", 9, 9), ("10", 12, 10), ("8", 8, 8),
    ] as [(String?, Int?, Int?)])
    func clientMaxWindowBitsIsOnlyAnsweredWhenAdvertised(offered: String?, cap: Int?, expected: Int?) {
        let offer = "permessage-deflate" + (offered.map { $0.isEmpty ? "; client_max_window_bits" : "; client_max_window_bits=\($0)" } ?? "")
        let answer = serverAnswer(offer, options: .init(clientMaxWindowBits: cap))
        #expect(answer?.clientMaxWindowBits == expected)
        #expect(answer?.decompressorSettings(role: .server).windowBits == expected ?? 15)
    }

    @Test func responseHeaderListsParametersInCanonicalOrder() {
        let parameters = PerMessageDeflateParameters(serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 9, clientMaxWindowBits: 8)
        #expect(parameters.responseHeaderValue == "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=8")
    }

    @Test func eightBitServerWindowRequestIsAccepted() {
        // zlib cannot deflate with a raw 8-bit window; we still accept (see PerMessageDeflateCompressor).
        let answer = serverAnswer("permessage-deflate; server_max_window_bits=8; client_max_window_bits=8")
        #expect(answer == PerMessageDeflateParameters(serverMaxWindowBits: 8, clientMaxWindowBits: 8))
        #expect(answer?.compressorSettings(role: .server).windowBits == 8)
        #expect(answer?.compressorSettings(role: .server).zlibWindowBits == 9)
        #expect(answer?.decompressorSettings(role: .server).windowBits == 8)
    }

    @Test func rolesPickTheirOwnParametersForCompressorAndDecompressor() {
        let parameters = PerMessageDeflateParameters(serverNoContextTakeover: true, clientNoContextTakeover: false, serverMaxWindowBits: 10, clientMaxWindowBits: 12)
        #expect(parameters.compressorSettings(role: .server) == .init(windowBits: 10, noContextTakeover: true))
        #expect(parameters.decompressorSettings(role: .server) == .init(windowBits: 12, noContextTakeover: false))
        #expect(parameters.compressorSettings(role: .client, compressionLevel: 1, memoryLevel: 4) == .init(windowBits: 12, noContextTakeover: false, compressionLevel: 1, memoryLevel: 4))
        #expect(parameters.decompressorSettings(role: .client) == .init(windowBits: 10, noContextTakeover: true))
    }

    // MARK: Client: the offer and the answer

    @Test func defaultOfferAdvertisesClientMaxWindowBitsWithoutValue() {
        #expect(PerMessageDeflateNegotiation.offerElement(.init()).headerValue == "permessage-deflate; client_max_window_bits")
    }

    @Test func offerCarriesEveryRequestedParameter() {
        let options = PerMessageDeflateOptions(serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 9)
        #expect(PerMessageDeflateNegotiation.offerElement(options).headerValue
            == "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9")
    }

    @Test func ourOfferIsAcceptedByOurServerWithTheSameParameters() {
        let options = PerMessageDeflateOptions(serverNoContextTakeover: true, serverMaxWindowBits: 11, clientMaxWindowBits: 9)
        let offer = PerMessageDeflateNegotiation.offerElement(options).headerValue
        #expect(serverAnswer(offer) == PerMessageDeflateParameters(serverNoContextTakeover: true, serverMaxWindowBits: 11, clientMaxWindowBits: 9))
    }

    @Test func plainAnswerIsAccepted() {
        #expect(clientCheck("permessage-deflate") == .success(PerMessageDeflateParameters()))
    }

    @Test func requestedServerNoContextTakeoverMissingFromTheAnswerFails() {
        #expect(clientCheck("permessage-deflate", offered: .init(serverNoContextTakeover: true)) == .failure(.missingRequiredParameter("server_no_context_takeover")))
        #expect(clientCheck("permessage-deflate; server_no_context_takeover", offered: .init(serverNoContextTakeover: true)) == .success(.init(serverNoContextTakeover: true)))
    }

    @Test func unrequestedServerNoContextTakeoverIsAccepted() {
        #expect(clientCheck("permessage-deflate; server_no_context_takeover") == .success(.init(serverNoContextTakeover: true)))
    }

    @Test func clientNoContextTakeoverAppliesWhenAnsweredOrOffered() {
        #expect(clientCheck("permessage-deflate; client_no_context_takeover") == .success(.init(clientNoContextTakeover: true)))
        #expect(clientCheck("permessage-deflate", offered: .init(clientNoContextTakeover: true)) == .success(.init(clientNoContextTakeover: true)))
    }

    @Test func requestedServerMaxWindowBitsMustBeAnsweredAtOrBelowTheRequest() {
        let options = PerMessageDeflateOptions(serverMaxWindowBits: 10)
        #expect(clientCheck("permessage-deflate", offered: options) == .failure(.missingRequiredParameter("server_max_window_bits")))
        #expect(clientCheck("permessage-deflate; server_max_window_bits=11", offered: options) == .failure(.windowBitsAboveOffer(parameter: "server_max_window_bits", value: 11)))
        #expect(clientCheck("permessage-deflate; server_max_window_bits=10", offered: options) == .success(.init(serverMaxWindowBits: 10)))
        #expect(clientCheck("permessage-deflate; server_max_window_bits=8", offered: options) == .success(.init(serverMaxWindowBits: 8)))
    }

    @Test func unrequestedServerMaxWindowBitsIsAccepted() {
        #expect(clientCheck("permessage-deflate; server_max_window_bits=9") == .success(.init(serverMaxWindowBits: 9)))
    }

    @Test func answeredClientMaxWindowBitsMustNotExceedOurOfferedValue() {
        let options = PerMessageDeflateOptions(clientMaxWindowBits: 10)
        #expect(clientCheck("permessage-deflate; client_max_window_bits=12", offered: options) == .failure(.windowBitsAboveOffer(parameter: "client_max_window_bits", value: 12)))
        #expect(clientCheck("permessage-deflate; client_max_window_bits=9", offered: options) == .success(.init(clientMaxWindowBits: 9)))
        // No answer: we keep to the value we offered.
        #expect(clientCheck("permessage-deflate", offered: options) == .success(.init(clientMaxWindowBits: 10)))
        // Offered without a value: any answer from 8 to 15 is fine.
        #expect(clientCheck("permessage-deflate; client_max_window_bits=15") == .success(.init(clientMaxWindowBits: 15)))
    }

    @Test(arguments: [
        ("permessage-deflate; client_max_window_bits", PerMessageDeflateNegotiationFailure.invalidValue(parameter: "client_max_window_bits", value: nil)),
        ("permessage-deflate; server_max_window_bits=16", .invalidValue(parameter: "server_max_window_bits", value: "16")),
        ("permessage-deflate; server_no_context_takeover=x", .invalidValue(parameter: "server_no_context_takeover", value: "x")),
        ("permessage-deflate; client_no_context_takeover; client_no_context_takeover", .duplicateParameter("client_no_context_takeover")),
        ("permessage-deflate; something_else=1", .unknownParameter("something_else")),
    ])
    func invalidAnswerParametersFailTheHandshake(response: String, expected: PerMessageDeflateNegotiationFailure) {
        #expect(clientCheck(response) == .failure(expected))
    }
}

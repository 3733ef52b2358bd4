// permessage-deflate negotiation rules (RFC 7692 sections 5 and 7.1): reading the parameters of
// an offer or a response, choosing the server's answer, and checking a response on the client.

/// Why a permessage-deflate offer or response is not acceptable.
enum PerMessageDeflateNegotiationFailure: Error, Equatable, CustomStringConvertible {
    case duplicateParameter(String)
    case unknownParameter(String)
    case invalidValue(parameter: String, value: String?)
    /// A response omits a parameter the client's offer required (`server_no_context_takeover`,
    /// `server_max_window_bits`).
    case missingRequiredParameter(String)
    /// A response's window bits exceed what the offer allowed.
    case windowBitsAboveOffer(parameter: String, value: Int)

    var description: String {
        switch self {
        case .duplicateParameter(let name): return "duplicate parameter \(name)"
        case .unknownParameter(let name): return "unknown parameter \(name)"
        case .invalidValue(let name, let value): return "invalid value \(value.map { "'\($0)'" } ?? "(none)") for \(name)"
        case .missingRequiredParameter(let name): return "missing required parameter \(name)"
        case .windowBitsAboveOffer(let name, let value): return "\(name)=\(value) exceeds the offered value"
        }
    }
}

enum PerMessageDeflateNegotiation {
    static let extensionName = "permessage-deflate"

    static let serverNoContextTakeover = "server_no_context_takeover"
    static let clientNoContextTakeover = "client_no_context_takeover"
    static let serverMaxWindowBits = "server_max_window_bits"
    static let clientMaxWindowBits = "client_max_window_bits"

    /// `client_max_window_bits` is the only parameter that may appear without a value in an offer
    /// ("I support it, pick one") and with a value in a response.
    enum ClientWindowBits: Equatable {
        case absent
        case supportedWithoutValue
        case value(Int)
    }

    /// The parameters of one offer or response, syntax checked but not yet interpreted.
    struct ReceivedParameters: Equatable {
        var serverNoContextTakeover = false
        var clientNoContextTakeover = false
        var serverMaxWindowBits: Int?
        var clientMaxWindowBits = ClientWindowBits.absent
    }

    /// Reads the parameters of an offer (`isOffer`) or a response. Duplicates, unknown names,
    /// values on the no-value parameters and window bits other than `8`...`15` written without
    /// leading zeros (RFC 7692 section 7.1.2) are failures.
    static func readParameters(
        _ parameters: [WebSocketHandshakeExtension.Parameter], isOffer: Bool
    ) -> Result<ReceivedParameters, PerMessageDeflateNegotiationFailure> {
        var received = ReceivedParameters()
        var seen: Set<String> = []
        for parameter in parameters {
            guard seen.insert(parameter.name).inserted else { return .failure(.duplicateParameter(parameter.name)) }
            switch parameter.name {
            case serverNoContextTakeover, clientNoContextTakeover:
                guard parameter.value == nil else { return .failure(.invalidValue(parameter: parameter.name, value: parameter.value)) }
                if parameter.name == serverNoContextTakeover {
                    received.serverNoContextTakeover = true
                } else {
                    received.clientNoContextTakeover = true
                }
            case serverMaxWindowBits:
                guard let bits = parameter.value.flatMap(windowBits) else {
                    return .failure(.invalidValue(parameter: parameter.name, value: parameter.value))
                }
                received.serverMaxWindowBits = bits
            case clientMaxWindowBits:
                if parameter.value == nil, isOffer {
                    received.clientMaxWindowBits = .supportedWithoutValue
                } else if let bits = parameter.value.flatMap(windowBits) {
                    received.clientMaxWindowBits = .value(bits)
                } else {
                    return .failure(.invalidValue(parameter: parameter.name, value: parameter.value))
                }
            default:
                return .failure(.unknownParameter(parameter.name))
            }
        }
        return .success(received)
    }

    /// "8" to "15" exactly: RFC 7692 forbids leading zeros and signs.
    private static func windowBits(_ value: String) -> Int? {
        guard let bits = Int(value), PerMessageDeflateOptions.windowBitsRange.contains(bits), String(bits) == value else { return nil }
        return bits
    }

    // MARK: - Server

    /// The parameters a server answers to the first acceptable permessage-deflate offer among
    /// `offers` (the parsed `Sec-WebSocket-Extensions` request header, in order), or nil when no
    /// offer is acceptable. Malformed elements and other extensions are skipped.
    static func acceptFirstOffer(_ offers: [WebSocketHandshakeExtension?], options: PerMessageDeflateOptions) -> PerMessageDeflateParameters? {
        for case let offer? in offers where offer.name == extensionName {
            if case .success(let received) = readParameters(offer.parameters, isOffer: true) {
                return answer(received, options: options)
            }
        }
        return nil
    }

    /// The answer to one well-formed offer. Every well-formed offer is acceptable: we can honour
    /// any window from 8 to 15 bits and either takeover mode in both directions.
    static func answer(_ offer: ReceivedParameters, options: PerMessageDeflateOptions) -> PerMessageDeflateParameters {
        var parameters = PerMessageDeflateParameters()
        // A requested server_no_context_takeover must be echoed (7.1.1.1); we may add it unasked.
        parameters.serverNoContextTakeover = offer.serverNoContextTakeover || options.serverNoContextTakeover
        // The client said it will not take over its context, or we ask it not to (7.1.1.2).
        parameters.clientNoContextTakeover = offer.clientNoContextTakeover || options.clientNoContextTakeover
        // Our window: at most what the client asked, at most our own cap (7.1.2.1).
        switch (offer.serverMaxWindowBits, options.serverMaxWindowBits) {
        case let (requested?, cap?): parameters.serverMaxWindowBits = min(requested, cap)
        case let (requested?, nil): parameters.serverMaxWindowBits = requested
        case let (nil, cap?): parameters.serverMaxWindowBits = cap
        case (nil, nil): parameters.serverMaxWindowBits = nil
        }
        // The client's window can only be limited if the client advertised the parameter
        // (7.1.2.2); a value in the offer is the client's own upper bound, which we echo (or
        // lower) so our inflater needs no more window than the client will use.
        switch (offer.clientMaxWindowBits, options.clientMaxWindowBits) {
        case (.absent, _): parameters.clientMaxWindowBits = nil
        case (.supportedWithoutValue, let cap): parameters.clientMaxWindowBits = cap
        case (.value(let bound), let cap): parameters.clientMaxWindowBits = min(bound, cap ?? bound)
        }
        return parameters
    }

    /// The extension element that states `parameters` in a response.
    static func responseElement(_ parameters: PerMessageDeflateParameters) -> WebSocketHandshakeExtension {
        var elements: [WebSocketHandshakeExtension.Parameter] = []
        if parameters.serverNoContextTakeover { elements.append(.init(name: serverNoContextTakeover)) }
        if parameters.clientNoContextTakeover { elements.append(.init(name: clientNoContextTakeover)) }
        if let bits = parameters.serverMaxWindowBits { elements.append(.init(name: serverMaxWindowBits, value: String(bits))) }
        if let bits = parameters.clientMaxWindowBits { elements.append(.init(name: clientMaxWindowBits, value: String(bits))) }
        return WebSocketHandshakeExtension(name: extensionName, parameters: elements)
    }

    // MARK: - Client

    /// The single offer a client sends for `options`. It always advertises
    /// `client_max_window_bits` since our decompressor handles any window the server picks.
    static func offerElement(_ options: PerMessageDeflateOptions) -> WebSocketHandshakeExtension {
        var elements: [WebSocketHandshakeExtension.Parameter] = []
        if options.serverNoContextTakeover { elements.append(.init(name: serverNoContextTakeover)) }
        if options.clientNoContextTakeover { elements.append(.init(name: clientNoContextTakeover)) }
        if let bits = options.serverMaxWindowBits { elements.append(.init(name: serverMaxWindowBits, value: String(bits))) }
        elements.append(.init(name: clientMaxWindowBits, value: options.clientMaxWindowBits.map(String.init)))
        return WebSocketHandshakeExtension(name: extensionName, parameters: elements)
    }

    /// Checks a server's response against the offer `offerElement(options)` produced and returns
    /// the parameters both sides now use (RFC 7692 section 7.1, client side).
    static func validateResponse(
        _ response: WebSocketHandshakeExtension, options: PerMessageDeflateOptions
    ) -> Result<PerMessageDeflateParameters, PerMessageDeflateNegotiationFailure> {
        let received: ReceivedParameters
        switch readParameters(response.parameters, isOffer: false) {
        case .success(let value): received = value
        case .failure(let failure): return .failure(failure)
        }
        var parameters = PerMessageDeflateParameters()
        if options.serverNoContextTakeover, !received.serverNoContextTakeover {
            return .failure(.missingRequiredParameter(serverNoContextTakeover))
        }
        parameters.serverNoContextTakeover = received.serverNoContextTakeover
        // We stop taking over our context when asked, or when we offered to.
        parameters.clientNoContextTakeover = received.clientNoContextTakeover || options.clientNoContextTakeover
        if let requested = options.serverMaxWindowBits {
            guard let bits = received.serverMaxWindowBits else { return .failure(.missingRequiredParameter(serverMaxWindowBits)) }
            guard bits <= requested else { return .failure(.windowBitsAboveOffer(parameter: serverMaxWindowBits, value: bits)) }
        }
        parameters.serverMaxWindowBits = received.serverMaxWindowBits
        switch received.clientMaxWindowBits {
        case .value(let bits):
            if let offered = options.clientMaxWindowBits, bits > offered {
                return .failure(.windowBitsAboveOffer(parameter: clientMaxWindowBits, value: bits))
            }
            parameters.clientMaxWindowBits = bits
        case .absent, .supportedWithoutValue:
            // Without an answer we stay within what we offered.
            parameters.clientMaxWindowBits = options.clientMaxWindowBits
        }
        return .success(parameters)
    }
}

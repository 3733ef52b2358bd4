import ArgumentParser

/// What the server speaks to viewers.
enum BenchProtocol: String, ExpressibleByArgument, CaseIterable {
    /// ShareRelay's contract: owner key for the presenter, a share token for viewers, a hello first,
    /// then `{"type":"event",...,"data":<presenter JSON>}` envelopes.
    case relay
    /// A plain broadcast peer: no auth, each presenter message delivered verbatim to every viewer.
    case raw
}

import Foundation

/// The current server `TLSContext`, replaceable at run time: `reload()` (on SIGHUP) reads the
/// certificate and key files again into a fresh context; connections accepted afterwards use it,
/// connections already open keep the context they started with.
///
/// This is the TLS module's one lock, and deliberately so: the reference is read by every event
/// loop thread as it accepts a connection and replaced by whichever thread handles the signal.
/// The critical section is a single reference copy, so contention is negligible; an actor would
/// force an `await` into NIO's synchronous channel initializer for no benefit.
public final class TLSContextProvider: @unchecked Sendable {
    private let lock = NSLock()
    private var currentContext: TLSContext
    private var currentConfiguration: TLSConfiguration

    /// Loads the initial context; start-up fails with the error if the files are unusable.
    public init(configuration: TLSConfiguration) throws(TLSError) {
        self.currentContext = try TLSContext(server: configuration)
        self.currentConfiguration = configuration
    }

    /// The context new connections should use now.
    public var context: TLSContext {
        lock.withLock { currentContext }
    }

    /// The configuration the current context was loaded from.
    public var configuration: TLSConfiguration {
        lock.withLock { currentConfiguration }
    }

    /// Reads the files again (same paths, or `configuration` when given) into a new context and
    /// makes it current; returns it. On error the current context stays in place and the error is
    /// thrown for the caller to report; the loading itself happens outside the lock.
    @discardableResult
    public func reload(configuration newConfiguration: TLSConfiguration? = nil) throws(TLSError) -> TLSContext {
        let configuration = newConfiguration ?? self.configuration
        let fresh = try TLSContext(server: configuration)
        lock.withLock {
            currentContext = fresh
            currentConfiguration = configuration
        }
        return fresh
    }
}

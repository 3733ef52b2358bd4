import NIOCore

/// The viewers of one session on one event loop, fed from the session's log.
///
/// Owned by one event loop (not thread-safe; every method must be called on that loop).
///
/// Publishing appends to the log and marks the fan-out dirty; it does not write to any socket.
/// The first time the fan-out becomes dirty it calls `requestDrain`, and the I/O layer runs
/// `drain(now:)` once at the end of the loop iteration (e.g. with `eventLoop.execute`). The drain
/// gives each writable viewer every frame it is missing, up to its budget, then one flush: events
/// published in the same iteration reach a socket in one `writev`, and a viewer that is behind is
/// fed from history in the same pass. Several frames owed to viewers at the same position go out
/// as one shared buffer (`SharedTails`), so the per-write cost is paid once per viewer per drain. Unwritable viewers are not visited at all; they cost
/// nothing until `setWritable(_:true)`.
///
/// On the session's home loop the fan-out wraps the primary `SessionLog` (`publish`); on other
/// loops a replica (`publishReplica`). See the multi-loop design in Relay.swift.
///
/// Viewers are held as `any FanoutViewer` rather than through a generic parameter: the fan-out's
/// code is then compiled once, concretely, in this module, instead of running as unspecialized
/// generic code from the server module (measured: 575 -> 165 ns per viewer visit).
public final class SessionFanout {
    public let sessionId: String
    public private(set) var log: SessionLog
    /// The presence last set with `setPresence(_:)`; viewers receive it when it changes.
    public private(set) var presence: PresenceState
    private var presenceFrame: ByteBuffer
    /// Bumped by every `setPresence` change. A viewer is due a presence message when its version
    /// is older, and gets one only if what it was last told differs: a `hello` fresher than the
    /// fan-out's (coalesced) presence is never followed by an older state.
    private var presenceVersion: UInt32 = 0

    private struct Slot {
        var viewer: (any FanoutViewer)?
        var generation: UInt32
        var cursor: ViewerCursor
        var compressed: Bool
        /// Position in `writableSlots`, -1 when the viewer is not writable (or the slot is free).
        var writablePosition: Int32
        /// The presence this viewer was last told (by `hello` or a `presence` message).
        var presence: PresenceState
        var presenceVersion: UInt32
    }

    private var slots: [Slot] = []
    private var freeSlots: [Int32] = []
    /// Slots of writable viewers, in no particular order: the only viewers a drain visits.
    private var writableSlots: [Int32] = []
    /// Viewers on this loop.
    public private(set) var viewerCount = 0
    /// Viewers on this loop that accept shared compressed frames.
    public private(set) var compressedViewerCount = 0

    private var isDirty = false
    private let requestDrain: () -> Void

    /// - Parameters:
    ///   - log: the primary log (home loop) or a replica (other loops).
    ///   - presence: the session's presence as currently known.
    ///   - requestDrain: called when the fan-out goes from clean to dirty; the I/O layer must then
    ///     call `drain(now:)` soon (end of this loop iteration). May be called again from inside
    ///     `drain` (re-entrant writability changes, remaining backlog): schedule another drain.
    public init(sessionId: String, log: SessionLog, presence: PresenceState, requestDrain: @escaping () -> Void) {
        self.sessionId = sessionId
        self.log = log
        self.presence = presence
        self.presenceFrame = log.encoder.frame(.presence(presence))
        self.requestDrain = requestDrain
    }

    /// Whether a drain has been requested and not run yet.
    public var needsDrain: Bool { isDirty }

    private func markDirty() {
        guard !isDirty else { return }
        isDirty = true
        requestDrain()
    }

    // MARK: Viewers

    /// Adds a viewer that passed admission: writes and flushes its `hello` (seq = the log's last
    /// seq, `presence` as given, default the fan-out's), positions its cursor (see
    /// `ViewerCursor.init(joining:resumeAfter:now:)`) and requests a drain if it has history to
    /// receive. The viewer starts out writable.
    @discardableResult
    public func addViewer(
        _ viewer: any FanoutViewer,
        expiresAt: RelayTime?,
        resumeAfter since: UInt64?,
        acceptsCompressedFrames: Bool = false,
        presence helloPresence: PresenceState? = nil,
        now: RelayTime
    ) -> ViewerToken {
        let helloPresence = helloPresence ?? presence
        let cursor = ViewerCursor(joining: log, resumeAfter: since, now: now)
        let slot = Slot(
            viewer: viewer,
            generation: 0,
            cursor: cursor,
            compressed: acceptsCompressedFrames,
            writablePosition: -1,
            presence: helloPresence,
            presenceVersion: presenceVersion
        )
        let index: Int
        if let free = freeSlots.popLast() {
            index = Int(free)
            let generation = slots[index].generation
            slots[index] = slot
            slots[index].generation = generation
        } else {
            index = slots.count
            slots.append(slot)
        }
        viewerCount += 1
        if acceptsCompressedFrames { compressedViewerCount += 1 }
        let token = ViewerToken(slot: Int32(index), generation: slots[index].generation)
        insertWritable(index)

        viewer.write(
            log.encoder.frame(.hello(sessionId: sessionId, expiresAt: expiresAt, seq: log.lastSeq, presence: helloPresence))
        )
        viewer.flush()
        if cursor.isBehind(log) {
            markDirty()
        }
        return token
    }

    /// Removes a viewer (closed for whatever reason). Returns it, or nil for a stale token.
    @discardableResult
    public func removeViewer(_ token: ViewerToken) -> (any FanoutViewer)? {
        guard let index = validSlot(token) else { return nil }
        removeWritable(index)
        let viewer = slots[index].viewer
        slots[index].viewer = nil
        slots[index].generation &+= 1
        viewerCount -= 1
        if slots[index].compressed { compressedViewerCount -= 1 }
        freeSlots.append(Int32(index))
        return viewer
    }

    /// Records the viewer's socket writability (from `channelWritabilityChanged`). Becoming
    /// writable counts as progress for stall detection and requests a drain if it is behind.
    public func setWritable(_ token: ViewerToken, _ writable: Bool, now: RelayTime) {
        guard let index = validSlot(token) else { return }
        if writable {
            slots[index].cursor.noteProgress(now: now)
            insertWritable(index)
            if slots[index].cursor.isBehind(log) || slots[index].presenceVersion != presenceVersion {
                markDirty()
            }
        } else {
            removeWritable(index)
        }
    }

    /// The viewer for `token`, nil if stale.
    public func viewer(_ token: ViewerToken) -> (any FanoutViewer)? {
        validSlot(token).flatMap { slots[$0].viewer }
    }

    /// The cursor of a viewer (for metrics and tests).
    public func cursor(_ token: ViewerToken) -> ViewerCursor? {
        validSlot(token).map { slots[$0].cursor }
    }

    /// Every viewer on this loop (e.g. to close them all with 1001 at shutdown).
    public func forEachViewer(_ body: (ViewerToken, any FanoutViewer) -> Void) {
        for index in slots.indices {
            if let viewer = slots[index].viewer {
                body(ViewerToken(slot: Int32(index), generation: slots[index].generation), viewer)
            }
        }
    }

    /// Viewers that had something to receive and made no progress for `timeout`; the I/O layer
    /// closes them with 4408 (and then calls `removeViewer`). Meant for a periodic sweep (once a
    /// second is plenty for a 60 s timeout): O(viewers), allocates only when it finds some.
    public func stalledViewers(now: RelayTime, timeout: TimeAmount) -> [(token: ViewerToken, viewer: any FanoutViewer)] {
        var stalled: [(token: ViewerToken, viewer: any FanoutViewer)] = []
        for index in slots.indices {
            guard let viewer = slots[index].viewer,
                slots[index].cursor.isStalled(in: log, now: now, timeout: timeout)
            else { continue }
            stalled.append((ViewerToken(slot: Int32(index), generation: slots[index].generation), viewer))
        }
        return stalled
    }

    private func validSlot(_ token: ViewerToken) -> Int? {
        let index = Int(token.slot)
        guard index < slots.count, slots[index].generation == token.generation, slots[index].viewer != nil else {
            return nil
        }
        return index
    }

    private func insertWritable(_ index: Int) {
        guard slots[index].writablePosition < 0 else { return }
        slots[index].writablePosition = Int32(writableSlots.count)
        writableSlots.append(Int32(index))
    }

    private func removeWritable(_ index: Int) {
        let position = Int(slots[index].writablePosition)
        guard position >= 0 else { return }
        let moved = writableSlots.removeLast()
        if position < writableSlots.count {
            writableSlots[position] = moved
            slots[Int(moved)].writablePosition = Int32(position)
        }
        slots[index].writablePosition = -1
    }

    // MARK: Events and presence

    /// Primary only: sequences `data` (one valid JSON value, already size-checked), encodes it
    /// once and schedules delivery. Returns the entry for the history writer and the replicas.
    @discardableResult
    public func publish(_ data: ByteBuffer, receivedAt time: RelayTime) -> SessionLogEntry {
        let entry = log.append(data, receivedAt: time, compress: compressedViewerCount > 0)
        if !writableSlots.isEmpty { markDirty() }
        return entry
    }

    /// Replica only: adds an entry the home loop forwarded and schedules delivery.
    public func publishReplica(_ entry: SessionLogEntry) {
        if log.appendReplica(entry), !writableSlots.isEmpty {
            markDirty()
        }
    }

    /// Sets the presence viewers should see (from `SessionPresence`, already coalesced). Encoded
    /// once; each viewer gets it in a drain only if it differs from what that viewer last heard,
    /// and an unwritable viewer later gets only the latest state.
    public func setPresence(_ state: PresenceState) {
        guard state != presence else { return }
        presence = state
        presenceVersion &+= 1
        presenceFrame = log.encoder.frame(.presence(state))
        if !writableSlots.isEmpty { markDirty() }
    }

    // MARK: Draining

    /// What one drain did.
    public struct DrainReport: Hashable, Sendable {
        public var viewersWritten = 0
        public var framesWritten = 0
        public var bytesWritten = 0
        /// Writable viewers still behind after using their budget; another drain was requested.
        public var viewersStillBehind = 0
        public init() {}
    }

    /// The largest run of frames concatenated for sharing in one drain (the default per-viewer
    /// drain cap: a longer run would not fit a viewer's budget anyway).
    static let maximumSharedTailBytes = 256 * 1024

    /// Writes to every writable viewer what it is missing (a newer presence, a gap, events), up to
    /// its `writeBudget`, then flushes it once. Call once per loop iteration after `requestDrain`.
    @discardableResult
    public func drain(now: RelayTime) -> DrainReport {
        isDirty = false
        var report = DrainReport()
        let log = self.log
        let presence = self.presence
        let presenceVersion = self.presenceVersion
        let presenceFrame = self.presenceFrame
        // Caught-up viewers share one concatenation of the frames they all miss (see SharedTails).
        var tails = SharedTails(maximumBytes: Self.maximumSharedTailBytes)
        // Iterate a snapshot: callbacks may re-enter and change the writable set (copy on write).
        let visit = writableSlots
        for slotIndex in visit {
            let index = Int(slotIndex)
            // One read of the slot; state is written back in one access after the callouts.
            let slot = slots[index]
            guard slot.writablePosition >= 0, let viewer = slot.viewer else { continue }
            let needsPresence = slot.presenceVersion != presenceVersion && slot.presence != presence
            guard needsPresence || slot.cursor.isBehind(log) else {
                if slot.presenceVersion != presenceVersion {
                    slots[index].presenceVersion = presenceVersion  // already told (e.g. by its hello)
                }
                continue
            }
            var budget = viewer.writeBudget
            guard budget > 0 else { continue }

            var cursor = slot.cursor
            var frames = 0
            var bytes = 0
            if needsPresence {
                viewer.write(presenceFrame)
                frames += 1
                bytes += presenceFrame.readableBytes
                budget -= presenceFrame.readableBytes
            }
            if cursor.deliveredSeq + 1 >= log.firstRetainedSeq,
                let tail = tails.tail(after: cursor.deliveredSeq, compressed: slot.compressed, in: log),
                tail.bytes.readableBytes <= budget
            {
                viewer.write(tail.bytes)
                cursor.markDelivered(through: tail.throughSeq, now: now)
                frames += tail.frames
                bytes += tail.bytes.readableBytes
            } else {
                let fed = cursor.feed(from: log, budget: budget, compressed: slot.compressed, now: now) { viewer.write($0) }
                frames += fed.framesWritten
                bytes += fed.bytesWritten
            }
            let stillBehind = cursor.isBehind(log)
            // Callouts may have removed the viewer (and reused its slot) or made it unwritable.
            let stillWritable = slots.withUnsafeMutableBufferPointer { slots in
                guard slots[index].generation == slot.generation, slots[index].viewer != nil else { return false }
                slots[index].cursor = cursor
                slots[index].presence = presence
                slots[index].presenceVersion = presenceVersion
                return slots[index].writablePosition >= 0
            }
            if stillWritable, stillBehind {
                report.viewersStillBehind += 1
            }
            guard frames > 0 else { continue }
            viewer.flush()
            report.viewersWritten += 1
            report.framesWritten += frames
            report.bytesWritten += bytes
        }
        if report.viewersStillBehind > 0 {
            markDirty()
        }
        return report
    }
}

// Module Relay: the relay's domain, sans-I/O.
//
// Owns: the wire messages the relay sends (`RelayMessage`), the strict JSON validator and the
// event/RPC classifier for presenter frames, the per-session event log with sequence numbers and
// retention (`SessionLog`), viewers as cursors into that log (`ViewerCursor`), the per-session
// fan-out group that coalesces writes per viewer (`SessionFanout`), presence and viewer-count
// coalescing (`SessionPresence`, `RateCoalescer`), admission limits, revocation and expiry
// bookkeeping (`ViewerRegistry`, `HandshakeRateLimiter`), the history persistence seam
// (`EventHistoryStore`, `HistoryWriteBatcher`) and the relay's settings and close codes.
//
// Must not: open sockets, arm timers, read clocks, take locks or touch the disk. Every time is an
// argument (`RelayTime`), every write goes through a protocol the I/O layer implements
// (`FanoutViewer`), every frame is built by an injected encoder (`RelayFrameEncoder`). The
// stateful types are owned by one event loop each and are not thread-safe by design.
//
// Multi-event-loop design (how the I/O layer is expected to use these types)
// ---------------------------------------------------------------------------
// A session has a *home loop* (e.g. chosen by hashing the session id). The home loop owns the
// primary `SessionLog` (the only place sequence numbers are assigned), the `SessionPresence`
// aggregator and the session's entries in the `HistoryWriteBatcher`.
//
// - A presenter on another loop hops each event to the home loop (`homeLoop.execute`), which
//   calls `SessionFanout.publish(_:receivedAt:)`. That appends to the log (seq assigned, event
//   encoded ONCE into a complete WebSocket frame) and returns the `SessionLogEntry`.
// - The entry is `Sendable`: its frame is a `ByteBuffer` whose storage is shared by reference.
//   The home loop forwards it once per *other* loop that has viewers of the session, where a
//   replica `SessionFanout` (built on the home loop's `fanout.log.makeReplica()`, a `Sendable`
//   copy that shares every entry) calls `publishReplica(_:)`. Take the copy on the home loop and
//   from that moment forward every new entry to that loop: tasks on one loop run in order, so the
//   replica sees its starting window first, then each later entry (a duplicate is ignored by its
//   seq). Replicas apply the same retention rules, so every loop holds the same
//   window of entries, all pointing at the same frame storage: N loops cost N rings of small
//   entries, never N copies of event bytes.
// - Each loop's fan-out only ever writes to viewers on its own loop, at the end of the loop
//   iteration (`requestDrain` -> `drain(now:)`), so there are no locks on the fan-out path.
// - Viewer counts: each loop reports its local `viewerCount` changes to the home loop, whose
//   `SessionPresence` coalesces them (at most 4 per second) into presence updates that the home
//   loop forwards to every replica's `setPresence(_:)`, and `viewers` counts for presenters.
// - The `ViewerRegistry` (admission limits, revocation, expiry) is global state owned by one
//   loop too (or wrapped in an actor by the server); admission hops there once per handshake.
// A single-loop deployment is the degenerate case: one primary fan-out, no replicas.

import Foundation

/// A serial executor that runs every job on one dedicated thread.
///
/// SQLite calls block (disk I/O, fsync, waiting out another process's lock for the busy timeout).
/// They must not run on a NIO event loop, where they would stall every connection of that loop,
/// nor on Swift's small cooperative pool, where a few of them would starve all other tasks. An
/// actor that owns a `SQLiteConnection` uses one of these as its executor:
///
///     actor Database {
///         private let executor = DatabaseExecutor(name: "db")
///         nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
///     }
///
/// so all of its methods, and so all calls on its connection, run on this thread, one at a time.
/// The thread ends when the executor is released (after running the jobs already queued).
public final class DatabaseExecutor: SerialExecutor, @unchecked Sendable {
    private let queue: JobQueue

    /// - Parameter name: the thread's name, shown by debuggers and `top -H` (Linux keeps the
    ///   first 15 bytes).
    public init(name: String) {
        queue = JobQueue()
        queue.executor = asUnownedSerialExecutor()
        let thread = Thread { [queue] in
            // Set from inside: on Linux a name given before `start()` is not applied, and the
            // thread would carry its creator's name.
            Thread.current.name = String(decoding: name.utf8.prefix(15), as: UTF8.self)
            queue.runUntilFinished(onThread: pthread_self())
        }
        thread.start()
    }

    deinit {
        queue.finish()
    }

    /// Whether the caller is running on this executor's thread (for assertions and tests; the
    /// thread's name is only a hint for humans).
    public var isCurrentThread: Bool {
        queue.isCurrentThread
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        queue.push(UnownedJob(job))
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }
}

/// The executor's job list, shared with its thread. Guarded by `condition`; this lock is the
/// only shared mutable state here.
private final class JobQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var finished = false
    // Set once, before the thread starts; unowned because a queued job keeps its actor, and so
    // the executor, alive.
    var executor: UnownedSerialExecutor?

    func push(_ job: UnownedJob) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    func finish() {
        condition.lock()
        finished = true
        condition.signal()
        condition.unlock()
    }

    /// The thread running the jobs, once it started; guarded by `condition`.
    private var thread: pthread_t?

    var isCurrentThread: Bool {
        condition.lock()
        defer { condition.unlock() }
        guard let thread else { return false }
        return pthread_equal(thread, pthread_self()) != 0
    }

    func runUntilFinished(onThread runner: pthread_t) {
        condition.lock()
        thread = runner
        condition.unlock()
        var batch: [UnownedJob] = []
        while true {
            condition.lock()
            while jobs.isEmpty && !finished {
                condition.wait()
            }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            swap(&batch, &jobs)
            condition.unlock()
            for job in batch {
                job.runSynchronously(on: executor!)
            }
            batch.removeAll(keepingCapacity: true)
        }
    }
}

import Dispatch
import Glibc
import Synchronization

/// Runs one topic's MDQP conversation on its own thread, so the hot thread never waits on the
/// network (specs/shfe-mirp.md §10, DESIGN.md). The hot thread submits a request and later polls
/// for the outcome with one atomic load per packet; every request ends — in an answer or in a
/// failure — within the client's timeouts. Between requests the thread keeps the session alive
/// (heartbeats after 3 s, reconnect after 10 s of silence).
public final class MDQPRecoveryAgent: Sendable {
    public enum Request: Sendable, Equatable, CustomStringConvertible {
        case snapshot
        case retransmission(from: Int32, to: Int32)

        public var description: String {
            switch self {
            case .snapshot: "snapshot"
            case .retransmission(let from, let to): "retransmission \(from)...\(to)"
            }
        }
    }

    public enum Outcome: Sendable {
        case snapshot(MDQPSnapshot)
        case packets([[UInt8]])
        case failed(MDQPFailure)
    }

    private struct State: Sendable {
        var pending: Request?
        var inFlight: Request?
        var finished: (Request, Outcome)?
        var stopping = false
        var loggedIn = false
        var lastFailure: MDQPFailure?
    }

    public let configuration: MDQPClientConfiguration
    public let topicID: Int16
    private let state = Mutex(State())
    private let outcomeReady = Atomic<Bool>(false)
    private let busy = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let exited = DispatchSemaphore(value: 0)

    /// Starts the agent's thread; it connects and logs in at once, so the first recovery is quick
    /// and a wrong address shows up early in `status`.
    public init(configuration: MDQPClientConfiguration, topicID: Int16) {
        self.configuration = configuration
        self.topicID = topicID
        let box = Unmanaged.passRetained(self)
        var thread = pthread_t()
        pthread_create(&thread, nil, { context in
            let agent = Unmanaged<MDQPRecoveryAgent>.fromOpaque(context!).takeRetainedValue()
            agent.serve()
            return nil
        }, box.toOpaque())
        pthread_detach(thread)
    }

    /// Asks for `request`; false when one is already outstanding (§11.4: one at a time).
    @discardableResult
    public func submit(_ request: Request) -> Bool {
        guard !busy.load(ordering: .acquiring) else { return false }
        busy.store(true, ordering: .releasing)
        state.withLock { $0.pending = request }
        wake.signal()
        return true
    }

    /// A request is pending, in flight, or its outcome has not been taken yet.
    @inline(__always) public var isBusy: Bool { busy.load(ordering: .acquiring) }

    /// An outcome waits to be taken (one atomic load: cheap enough for every packet).
    @inline(__always) public var hasOutcome: Bool { outcomeReady.load(ordering: .acquiring) }

    /// The finished request and its outcome; the agent is free for the next request afterwards.
    public func take() -> (Request, Outcome)? {
        guard hasOutcome else { return nil }
        let result = state.withLock { s -> (Request, Outcome)? in
            defer { s.finished = nil }
            return s.finished
        }
        outcomeReady.store(false, ordering: .releasing)
        busy.store(false, ordering: .releasing)
        return result
    }

    /// Blocks until the outstanding request has an outcome or `timeoutMs` passed; true when an
    /// outcome is ready. For capture replay, which freezes its clock while the server answers.
    public func waitForOutcome(timeoutMs: Int) -> Bool {
        guard isBusy else { return false }
        let deadline = DispatchTime.now() + .milliseconds(timeoutMs)
        // The semaphore may hold signals of outcomes taken without waiting: wait until one is ready.
        while !hasOutcome, finished.wait(timeout: deadline) == .success {}
        return hasOutcome
    }

    /// The last failure, if the last attempt failed; nil after a success.
    public var lastFailure: MDQPFailure? { state.withLock { $0.lastFailure } }

    /// Stops the thread (after the request in flight, which its timeouts bound) and closes the connection.
    public func stop() {
        let already = state.withLock { s -> Bool in
            defer { s.stopping = true }
            return s.stopping
        }
        guard !already else { return }
        wake.signal()
        _ = exited.wait(timeout: .now() + .milliseconds(Int(configuration.responseTimeoutMs) + Int(configuration.connectTimeoutMs) + 1_000))
    }

    // MARK: - The agent's thread

    private func serve() {
        let client = MDQPClient(configuration: configuration)
        try? client.connect()
        let tick = Int(min(configuration.heartbeatIntervalMs, 1_000))
        while true {
            _ = wake.wait(timeout: .now() + .milliseconds(max(tick / 2, 10)))
            let request = state.withLock { s -> Request?? in
                if s.stopping { return .none }
                defer { if s.pending != nil { s.inFlight = s.pending; s.pending = nil } }
                return .some(s.pending)
            }
            guard let request else { break }
            guard let request else {
                client.keepAlive()
                continue
            }
            let outcome: Outcome
            do throws(MDQPFailure) {
                switch request {
                case .snapshot: outcome = .snapshot(try client.snapshot(topic: topicID))
                case .retransmission(let from, let to): outcome = .packets(try client.retransmit(topic: topicID, from: from, to: to))
                }
            } catch {
                outcome = .failed(error)
            }
            state.withLock { s in
                s.inFlight = nil
                s.finished = (request, outcome)
                if case .failed(let why) = outcome { s.lastFailure = why } else { s.lastFailure = nil }
            }
            outcomeReady.store(true, ordering: .releasing)
            finished.signal()
        }
        client.close()
        exited.signal()
    }
}

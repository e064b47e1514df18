import Glibc

/// Set by SIGINT/SIGTERM; long-running commands poll it (an async-signal-safe store).
nonisolated(unsafe) private var stopSignal: sig_atomic_t = 0

/// SIGINT and SIGTERM ask a long-running command (`run`, `simulate --mdqp`) to stop cleanly.
enum StopSignal {
    static func install() {
        signal(SIGINT) { _ in stopSignal = 1 }
        signal(SIGTERM) { _ in stopSignal = 1 }
        // A parent may have started us with these blocked (children inherit the signal mask).
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        sigaddset(&unblock, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }

    static var received: Bool { stopSignal != 0 }
}

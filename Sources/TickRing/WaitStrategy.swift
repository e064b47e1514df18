import Atomics
import Glibc

/// How a thread waits for a ring: for data (a subscriber) or for space (a producer held back by a
/// lossless subscriber). DESIGN.md: never busy-spin more threads than there are cores.
public enum WaitStrategy: Sendable {
    /// Spin on the condition: lowest latency, burns a core.
    case busySpin
    /// Spin a little, then give the core away with `sched_yield` between checks.
    case yield
    /// Spin a little, then sleep on a condition variable until woken (or 1 ms passes).
    case park
}

/// The parking lot of one ring side: waiters sleep on a condition variable; the other side wakes
/// them only when someone is parked (one relaxed load on its fast path).
@usableFromInline final class Parker: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    /// Parked waiters, on its own cache line.
    private let parked = AtomicCells(count: 1)

    init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
    }

    deinit {
        parked.deallocate()
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    /// Waits until `ready()` is true, with `strategy`. `ready()` is never called again after it
    /// returned true, so it may do the work it waits for (a blocking push pushes in it).
    @inline(__always)
    func wait(_ strategy: WaitStrategy, until ready: () -> Bool) {
        var spins = 0
        while true {
            if ready() { return }
            spins += 1
            switch strategy {
            case .busySpin:
                continue
            case .yield:
                if spins > 64 { sched_yield() }
            case .park:
                if spins < 64 { continue }
                parked[0].wrappingIncrement(ordering: .sequentiallyConsistent)
                pthread_mutex_lock(&mutex)
                let done = ready()
                if !done {
                    var deadline = timespec()
                    clock_gettime(CLOCK_REALTIME, &deadline)
                    deadline.tv_nsec += 1_000_000
                    if deadline.tv_nsec >= 1_000_000_000 {
                        deadline.tv_sec += 1
                        deadline.tv_nsec -= 1_000_000_000
                    }
                    pthread_cond_timedwait(&condition, &mutex, &deadline)
                }
                pthread_mutex_unlock(&mutex)
                parked[0].wrappingDecrement(ordering: .sequentiallyConsistent)
                if done { return }
            }
        }
    }

    /// Wakes parked waiters, if any.
    @usableFromInline
    func wake() {
        guard parked[0].load(ordering: .sequentiallyConsistent) > 0 else { return }
        pthread_mutex_lock(&mutex)
        pthread_cond_broadcast(&condition)
        pthread_mutex_unlock(&mutex)
    }
}

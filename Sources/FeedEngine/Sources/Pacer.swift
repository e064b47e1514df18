import Glibc

/// Paces a stream by its timestamps: event `ts` is released at `start + (ts - firstTs) / speed` of
/// wall time, so bursts keep their shape. `speed` nil means as fast as possible.
public struct Pacer: Sendable {
    public let speed: Double?
    private var firstTs: UInt64?
    private var startWall: UInt64 = 0

    public init(speed: Double?) {
        precondition(speed.map { $0 > 0 } ?? true, "speed must be positive")
        self.speed = speed
    }

    public static func now() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }

    /// Waits until the event stamped `ts` is due.
    public mutating func wait(until ts: UInt64) {
        guard let speed else { return }
        guard let first = firstTs else {
            firstTs = ts
            startWall = Self.now()
            return
        }
        let due = startWall &+ UInt64(Double(ts &- first) / speed)
        while true {
            let now = Self.now()
            if now >= due { return }
            let left = due - now
            if left > 200_000 {
                var pause = timespec(tv_sec: 0, tv_nsec: Int(left - 100_000))
                nanosleep(&pause, nil)
            } else {
                sched_yield()
            }
        }
    }
}

/// The arithmetic of the shared-memory reduction, kept free of MPI so it can be tested alone.
enum SharedMemorySum {
    /// Elements per cache-friendly block of the sum (16 KB of floats stays in L1 while every slot is added).
    static let block = 4096

    /// Part `part` of `parts` of `0..<count`: contiguous, in order, covering everything once, with inner bounds on
    /// 64-byte boundaries so no two ranks write the same cache line.
    static func slice(_ part: Int, of parts: Int, count: Int) -> Range<Int> {
        func bound(_ k: Int) -> Int { k == parts ? count : min(count, (count * k / parts) & ~15) }
        return bound(part)..<bound(part + 1)
    }

    /// result[i] = ((slot0[i] + slot1[i]) + slot2[i]) + ... for i in `range`: always in slot order, so every rank
    /// that sums the same inputs gets the same bits.
    static func sum(_ slots: [UnsafePointer<Float>], into result: UnsafeMutablePointer<Float>, range: Range<Int>) {
        precondition(!slots.isEmpty, "no slots to sum")
        var start = range.lowerBound
        while start < range.upperBound {
            let end = min(start + block, range.upperBound)
            if slots.count == 1 {
                (result + start).update(from: slots[0] + start, count: end - start)
            } else {
                let a = slots[0], b = slots[1]
                for i in start..<end { result[i] = a[i] + b[i] }
            }
            for slot in slots.dropFirst(2) {
                for i in start..<end { result[i] += slot[i] }
            }
            start = end
        }
    }
}

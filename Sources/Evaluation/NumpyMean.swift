/// `np.mean` of a float64 array: NumPy's pairwise summation (8-way unrolled blocks of at most 128) divided by the
/// count, so that means, and the 3-decimal lines printed from them, agree with pycocotools to the last bit.
func numpyMean(_ values: [Double]) -> Double {
    values.withUnsafeBufferPointer { pairwiseSum($0[...]) } / Double(values.count)
}

private func pairwiseSum(_ values: Slice<UnsafeBufferPointer<Double>>) -> Double {
    let count = values.count, start = values.startIndex
    if count < 8 {
        return values.reduce(0, +)
    } else if count <= 128 {
        var partial = (0..<8).map { values[start + $0] }
        var index = start + 8
        while index < start + count - count % 8 {
            for lane in 0..<8 { partial[lane] += values[index + lane] }
            index += 8
        }
        var sum = ((partial[0] + partial[1]) + (partial[2] + partial[3])) + ((partial[4] + partial[5]) + (partial[6] + partial[7]))
        while index < values.endIndex {
            sum += values[index]
            index += 1
        }
        return sum
    } else {
        let half = count / 2 - (count / 2) % 8
        return pairwiseSum(values[start..<start + half]) + pairwiseSum(values[(start + half)...])
    }
}

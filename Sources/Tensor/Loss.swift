import Foundation

/// Losses: value in Double, gradient with respect to the logits.
public enum Loss {
    /// Binary cross-entropy with logits, mean over `count` elements:
    /// l = -(posWeight * t * log s(x) + (1 - t) * log(1 - s(x))).
    /// gradient (+)= scale * dl/dx / count, computed stably (no log of 0). Returns the mean loss.
    @discardableResult
    public static func bceWithLogits(logits: UnsafePointer<Float>, targets: UnsafePointer<Float>, count: Int, posWeight: Float = 1,
                                     gradient: UnsafeMutablePointer<Float>?, scale: Float = 1) -> Double {
        guard count > 0 else { return 0 }
        var total = 0.0
        let gradientScale = scale / Float(count)
        for i in 0..<count {
            let x = Double(logits[i]), t = Double(targets[i]), pw = Double(posWeight)
            // log(1 + e^-|x|) + max(-x, 0) = -log s(x);   -log(1 - s(x)) = -log s(x) + x
            let softplusNeg = log1p(Foundation.exp(-abs(x))) + max(-x, 0)
            total += pw * t * softplusNeg + (1 - t) * (softplusNeg + x)
            if let gradient {
                let s = 1 / (1 + Foundation.exp(-x))
                gradient[i] += gradientScale * Float(pw * t * (s - 1) + (1 - t) * s)
            }
        }
        return total / Double(count)
    }

    /// Softmax cross-entropy over logits[N, C] with integer labels, label smoothing eps (targets 1 - eps + eps/C
    /// and eps/C), mean over `meanOver` samples (default N; a rank's part of a larger batch passes the whole
    /// batch's size and gets its share of the mean). gradient (+)= (softmax - target) / meanOver.
    /// Returns the (share of the) mean loss.
    @discardableResult
    public static func softmaxCrossEntropy(logits: UnsafePointer<Float>, labels: [Int], classes c: Int, labelSmoothing eps: Float = 0,
                                           gradient: UnsafeMutablePointer<Float>?, meanOver: Int? = nil) throws -> Double {
        let n = meanOver ?? labels.count
        guard !labels.isEmpty else { return 0 }
        guard n >= labels.count else {
            throw TensorError.invalidArgument(layer: "cross-entropy", message: "mean over \(n) samples, but the batch has \(labels.count)")
        }
        var total = 0.0
        for (b, label) in labels.enumerated() {
            guard label >= 0 && label < c else {
                throw TensorError.invalidArgument(layer: "cross-entropy", message: "label \(label) of sample \(b) is outside 0..<\(c)")
            }
            let row = logits + b * c
            var peak = -Double.infinity
            for j in 0..<c { peak = max(peak, Double(row[j])) }
            var sumExp = 0.0
            for j in 0..<c { sumExp += Foundation.exp(Double(row[j]) - peak) }
            let logSumExp = peak + log(sumExp)
            let off = Double(eps) / Double(c), on = 1 - Double(eps) + off
            for j in 0..<c {
                let target = j == label ? on : off
                total -= target * (Double(row[j]) - logSumExp)
                if let gradient {
                    let p = Foundation.exp(Double(row[j]) - logSumExp)
                    gradient[b * c + j] += Float((p - target) / Double(n))
                }
            }
        }
        return total / Double(n)
    }
}

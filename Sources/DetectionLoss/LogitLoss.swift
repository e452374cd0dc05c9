import Foundation

/// The elementwise criterion behind v6.0 `BCEcls` / `BCEobj`: `BCEWithLogitsLoss(pos_weight)`, wrapped in
/// `FocalLoss(gamma, alpha 0.25)` when gamma > 0. The caller takes the mean.
struct LogitLoss {
    let positiveWeight: Double
    let focalGamma: Double
    private static let focalAlpha = 0.25

    /// The loss of `logit` against `target` and its derivative with respect to the logit.
    @inline(__always)
    func evaluate(logit x: Double, target t: Double) -> (value: Double, derivative: Double) {
        // With e = exp(-|x|): -log s(x) = log1p(e) + max(-x, 0), s(x) and 1 - s(x) without cancellation.
        let e = exp(-abs(x))
        let probability = x >= 0 ? 1 / (1 + e) : e / (1 + e)
        let complement = x >= 0 ? e / (1 + e) : 1 / (1 + e)
        let logWeight = (positiveWeight - 1) * t + 1
        let bce = (1 - t) * x + logWeight * (log1p(e) + max(-x, 0))
        let bceDerivative = (1 - t) - logWeight * complement
        guard focalGamma > 0 else { return (bce, bceDerivative) }

        // loss = bce * alphaFactor * (1 - p_t)^gamma, p_t = t p + (1 - t)(1 - p).
        let alphaFactor = t * Self.focalAlpha + (1 - t) * (1 - Self.focalAlpha)
        let missing = 1 - (t * probability + (1 - t) * complement)
        let modulating = pow(missing, focalGamma)
        let modulatingDerivative = missing > 0
            ? -focalGamma * pow(missing, focalGamma - 1) * (2 * t - 1) * probability * complement
            : 0
        return (alphaFactor * bce * modulating,
                alphaFactor * (bceDerivative * modulating + bce * modulatingDerivative))
    }
}

/// The logistic sigmoid and its derivative, in Double.
@inline(__always)
func sigmoidWithDerivative(_ x: Double) -> (value: Double, derivative: Double) {
    let s = 1 / (1 + exp(-x))
    return (s, s * (1 - s))
}

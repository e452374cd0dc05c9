import Foundation

/// Tensor-by-tensor comparison of two state dicts (safetensors files), the measure behind `spd checkpoint compare`
/// and the data-parallel equivalence tests. Integer tensors (`num_batches_tracked`) are left out.
///
/// - Without a starting point, a tensor's difference is ||a - b|| / max(||a||, 1): relative to the tensor's size, with
///   elements near 0 (e.g. BN biases that start at 0) measured absolutely.
/// - With the weights both runs started from (`initial`), it is ||(a - i) - (b - i)|| / ||a - i||: the difference of
///   the two *updates*, relative to the update. That is the measure for ReLU networks, whose gradient jumps where a
///   rounding-level change flips a unit near 0 (each flip moves one position's share of a weight gradient, about
///   1/(batch x height x width) of it), while a wrong gradient or a wrong synchronisation changes the update by a
///   large fraction of itself. A tensor that `a` did not move from `initial` (e.g. BN running statistics when the
///   "initial" weights come from a run at learning rate 0) is measured as without a starting point.
public struct WeightsComparison {
    /// One tensor's difference.
    public struct Row: Equatable {
        public let name: String
        public let difference: Double
    }

    /// Every floating-point tensor's difference, in the files' order of names.
    public let rows: [Row]

    /// Compares `a` with `b` (and, when given, both as updates from `initial`). The files must hold the same tensor
    /// names with the same shapes.
    public init(_ a: SafeTensorsFile, _ b: SafeTensorsFile, from initial: SafeTensorsFile? = nil) throws {
        for other in [b] + (initial.map { [$0] } ?? []) where Set(other.names) != Set(a.names) {
            let differing = Set(a.names).symmetricDifference(other.names).sorted()
            throw WeightsComparisonError(message: "\(a.path) and \(other.path) hold different tensors: \(differing.prefix(5).joined(separator: ", "))")
        }
        var rows: [Row] = []
        for name in a.names where try a.info(name).dtype.isFloatingPoint {
            let x = try a.floats(name), y = try b.floats(name)
            guard x.count == y.count, try a.info(name).shape == b.info(name).shape else {
                throw WeightsComparisonError(message: "\(name): shape \(try a.info(name).shape) in \(a.path) but \(try b.info(name).shape) in \(b.path)")
            }
            let difference = zip(x, y).reduce(0.0) { $0 + (Double($1.0) - Double($1.1)) * (Double($1.0) - Double($1.1)) }.squareRoot()
            var scale = max(x.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot(), 1)
            if let initial {
                let start = try initial.floats(name)
                guard start.count == x.count else { throw WeightsComparisonError(message: "\(name): shape differs in \(initial.path)") }
                let update = zip(x, start).reduce(0.0) { $0 + (Double($1.0) - Double($1.1)) * (Double($1.0) - Double($1.1)) }.squareRoot()
                if update > 0 { scale = update }
            }
            rows.append(Row(name: name, difference: difference == 0 ? 0 : difference / scale))
        }
        self.rows = rows
    }

    /// The tensor that differs most, or nil when there is no floating-point tensor.
    public var largest: Row? { rows.max { $0.difference < $1.difference } }

    /// The tensors whose difference exceeds `tolerance`, largest first.
    public func exceeding(_ tolerance: Double) -> [Row] {
        rows.filter { !($0.difference <= tolerance) }.sorted { $0.difference > $1.difference }
    }
}

/// Two state dicts cannot be compared (other tensors or shapes).
public struct WeightsComparisonError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

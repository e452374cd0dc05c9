import Foundation
import Shards

/// A fixed sample order for a run (`sample_order:` in an experiment file): a JSON file
/// `{"epochs": [["00000012", "00000003", ...], ...]}` listing, for each epoch, every sample key of the training split
/// exactly once, in the order the run takes them (step s of global batch B takes positions s*B ..< (s+1)*B, spread
/// over the ranks as usual). For replaying another system's order, e.g. the lockstep comparison with the reference
/// implementation, or a hand-made curriculum. The whole epoch is one window held in memory: meant for small datasets.
public struct SampleOrderFile: Sendable {
    public let path: String
    /// For each epoch, the virtual indices (positions in the split's shards, in dataset order) in run order.
    public let epochs: [[Int]]

    /// Reads the order and maps its keys to the split's samples; every problem is an error naming the file.
    public init(path: String, dataset: Dataset, split: String) throws {
        self.path = path
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw SampleOrderError(path: path, message: "cannot read: \((error as NSError).localizedDescription)")
        }
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let lists = root["epochs"] as? [Any], !lists.isEmpty else {
            throw SampleOrderError(path: path, message: "expected a JSON object {\"epochs\": [[key, ...], ...]} with at least one epoch")
        }
        var index: [String: Int] = [:]
        for shard in try dataset.shards(split: split) {
            try dataset.openShard(shard).forEachSample { sample in index[sample.key] = index.count }
        }
        var epochs: [[Int]] = []
        for (epoch, list) in lists.enumerated() {
            guard let keys = list as? [String] else { throw SampleOrderError(path: path, message: "epoch \(epoch + 1) is not a list of sample keys") }
            var seen = [Bool](repeating: false, count: index.count), order: [Int] = []
            order.reserveCapacity(keys.count)
            for key in keys {
                guard let v = index[key] else {
                    throw SampleOrderError(path: path, message: "epoch \(epoch + 1): '\(key)' is not a sample of \(dataset.directory) split '\(split)'")
                }
                guard !seen[v] else { throw SampleOrderError(path: path, message: "epoch \(epoch + 1): '\(key)' is listed twice") }
                seen[v] = true
                order.append(v)
            }
            guard order.count == index.count else {
                throw SampleOrderError(path: path, message: "epoch \(epoch + 1) lists \(order.count) of the split's \(index.count) samples; "
                                       + "each epoch must list every sample once")
            }
            epochs.append(order)
        }
        self.epochs = epochs
    }
}

/// A sample order file that cannot be used.
public struct SampleOrderError: Error, CustomStringConvertible {
    public let path: String
    public let message: String
    public var description: String { "\(path): \(message)" }
}

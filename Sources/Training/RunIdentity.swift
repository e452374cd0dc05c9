import Checksum
import Distributed
import Foundation
import Models
import RunFormat
import Shards

/// What must not change across the ranks of a run or across its resumes, as one hash: the model's state layout, the
/// dataset manifest, classes, image size, seed, batch, hyperparameters, optimizer and schedule, shuffle window,
/// preprocessing, split, the reference quirks and a fixed sample order.
enum RunIdentity {
    static func of(config: ExperimentConfig, dataset: Dataset, state: ModelState) throws -> String {
        var hasher = SHA256()
        let manifest = (try? Data(contentsOf: URL(fileURLWithPath: "\(dataset.directory)/dataset.json"))) ?? Data()
        hasher.update(Array(manifest))
        let layout = state.entries.map { "\($0.name)\($0.shape)" }.joined(separator: ";")
        let settings = "\(layout)|\(config.classes ?? -1)|\(config.imgsz)|\(config.seed)|\(config.batch)|\(config.nominalBatch)|\(config.hyp)|"
            + "\(config.optimizer.rawValue)|\(config.schedule.rawValue)|\(config.milestones)|\(config.window)|\(config.preprocess.rawValue)|\(config.trainSplit)"
        hasher.update(Array(settings.utf8))
        if !config.referenceQuirks.isEmpty { hasher.update(Array(config.referenceQuirks.map(\.rawValue).sorted().joined(separator: ",").utf8)) }
        if let order = config.sampleOrder {
            // A fixed order is part of the run: resuming with another would not continue it.
            hasher.update(Array((try? Data(contentsOf: URL(fileURLWithPath: config.resolve(order)))) ?? Data()))
        }
        return hasher.finalize().hex
    }

    /// Every rank must run the same configuration, model and dataset: the identities are gathered and compared.
    /// Returns `identity` when they agree.
    static func verifySame(_ identity: String, communicator: Communicator) throws -> String {
        guard communicator.size > 1 else { return identity }
        let all = try communicator.allgather(Array(identity.utf8))
        if let differing = all.indices.first(where: { all[$0] != all[0] }) {
            throw CommunicationError(rank: communicator.rank, operation: "startup check",
                                     message: "rank \(differing) runs a different configuration, model or dataset than rank 0")
        }
        return identity
    }
}

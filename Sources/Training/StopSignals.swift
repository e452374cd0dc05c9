import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Stopping a training run at a signal without losing work, as cluster schedulers ask before a time limit, a
/// preemption or a node drain: SIGTERM, SIGUSR1, SIGUSR2 and SIGINT mark a stop request; the ranks agree on it at the
/// next step boundary (the flag rides on the step's small all-reduce), write one checkpoint and exit with
/// `StopSignals.resumableExitCode`. A second SIGINT stops at once, as a terminal user expects.
public enum StopSignals {
    /// The exit status of a run that stopped at a signal after checkpointing: "stopped, resumable" (EX_TEMPFAIL).
    public static let resumableExitCode: Int32 = 75

    /// The signals that request a stop.
    public static let signals: [Int32] = [SIGTERM, SIGUSR1, SIGUSR2, SIGINT]

    /// The first signal received (0: none). Written only by the handler, as one aligned store.
    nonisolated(unsafe) private static let received: UnsafeMutablePointer<sig_atomic_t> = {
        let pointer = UnsafeMutablePointer<sig_atomic_t>.allocate(capacity: 1)
        pointer.initialize(to: 0)
        return pointer
    }()

    /// Installs the handlers (idempotent).
    public static func install() {
        _ = received
        for signal in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                if StopSignals.received.pointee != 0 && number == SIGINT {
                    // A second Ctrl-C: the default action, now.
                    Glibc.signal(SIGINT, SIG_DFL)
                    raise(SIGINT)
                    return
                }
                if StopSignals.received.pointee == 0 { StopSignals.received.pointee = number }
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(signal, &action, nil)
        }
    }

    /// The signal that asked this process to stop, or nil.
    public static var requested: Int32? { received.pointee == 0 ? nil : received.pointee }

    /// A signal's name for messages: "SIGTERM", "SIGUSR1", ...
    public static func name(_ signal: Int32) -> String {
        switch signal {
        case SIGTERM: return "SIGTERM"
        case SIGUSR1: return "SIGUSR1"
        case SIGUSR2: return "SIGUSR2"
        case SIGINT: return "SIGINT"
        default: return "signal \(signal)"
        }
    }
}

/// A run that stopped at a signal after writing its checkpoint; `spd train` exits with `StopSignals.resumableExitCode`.
public struct TrainingStopped: Error, CustomStringConvertible {
    public let signal: String
    public let checkpoint: String
    public let iteration: Int
    public var description: String {
        "stopped by \(signal) after \(iteration) batches; checkpoint \(checkpoint) written; continue with --resume (exit \(StopSignals.resumableExitCode): resumable)"
    }
}

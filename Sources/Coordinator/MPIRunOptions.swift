/// The project's one mpirun command line: the coordinator's launches build it here, and cluster/launch, cluster/lib.sh
/// and cluster/slurm.sbatch ask `spd mpirun-options` for it. Every rank gets one OpenBLAS thread
/// (`-x OPENBLAS_NUM_THREADS=1`); the transport is the ob1 PML with shared memory (vader) on a node and TCP between
/// nodes; ranks are bound one per core unless they outnumber the slots (then `--oversubscribe --bind-to none`) or
/// binding is off; `--allow-run-as-root` when running as root.
public struct MPIRunOptions: Equatable, Sendable {
    /// Where the ranks run.
    public enum Hosts: Equatable, Sendable {
        /// This machine, with `slots` cores.
        case local(slots: Int)
        /// These hosts and slots (`--host h1:2,h2:1`).
        case list([HostSlots])
        /// An OpenMPI hostfile and what it lists (`--hostfile FILE`).
        case hostfile(path: String, hosts: [HostSlots])
        /// A batch system's allocation (Slurm): mpirun takes the hosts and the rank count from it.
        case allocation
    }

    public enum Binding: String, Sendable, CaseIterable {
        /// One rank per core (`--map-by core --bind-to core`).
        case core
        /// No binding: several jobs share the hosts (the coordinator), or containers that look like whole machines.
        case none
    }

    /// Ranks (`-np`); nil takes the allocation's.
    public var ranks: Int?
    public var hosts: Hosts
    public var binding: Binding
    /// The network between nodes (btl_tcp_if_include and oob_tcp_if_include), e.g. 10.0.0.0/24 or eth1.
    public var network: String?
    /// Variables passed on to the ranks with `-x NAME` (their values here), beside OPENBLAS_NUM_THREADS=1.
    public var exported: [String]
    /// The ranks' working directory (`--wdir`).
    public var workdir: String?
    /// Seconds mpirun lets its ranks run on after it passes SIGTERM on, before it kills them (OpenMPI's
    /// `odls_base_sigkill_timeout`, 1 s when not given): a rank needs its step to end to checkpoint. For batch
    /// systems that stop jobs with SIGTERM (Slurm's scancel, requeue and preemption, which kill after KillWait).
    public var termGraceSeconds: Int?
    public var asRoot: Bool

    public init(ranks: Int?, hosts: Hosts, binding: Binding = .core, network: String? = nil, exported: [String] = [], workdir: String? = nil,
                termGraceSeconds: Int? = nil, asRoot: Bool) {
        self.ranks = ranks
        self.hosts = hosts
        self.binding = binding
        self.network = network
        self.exported = exported
        self.workdir = workdir
        self.termGraceSeconds = termGraceSeconds
        self.asRoot = asRoot
    }

    /// The slots the hosts offer; nil for an allocation.
    public var slots: Int? {
        switch hosts {
        case let .local(slots): return slots
        case let .list(hosts), let .hostfile(_, hosts): return hosts.reduce(0) { $0 + $1.slots }
        case .allocation: return nil
        }
    }

    /// Whether every rank is on one node (shared memory only); unknown for an allocation, which may span nodes.
    public var isOneNode: Bool {
        switch hosts {
        case .local: return true
        case let .list(hosts), let .hostfile(_, hosts): return Set(hosts.map(\.host)).count == 1
        case .allocation: return false
        }
    }

    /// More ranks than slots.
    public var isOversubscribed: Bool {
        guard let ranks, let slots else { return false }
        return ranks > slots
    }

    /// mpirun's options, in order: placement, rank count, working directory, transport, binding, environment, SIGTERM
    /// grace, root.
    public var arguments: [String] {
        var options: [String] = []
        switch hosts {
        case .local, .allocation: break
        case let .list(hosts): options += ["--host", hosts.map { "\($0.host):\($0.slots)" }.joined(separator: ",")]
        case let .hostfile(path, _): options += ["--hostfile", path]
        }
        if let ranks { options += ["-np", String(ranks)] }
        if let workdir { options += ["--wdir", workdir] }
        options += ["--mca", "pml", "ob1", "--mca", "btl", isOneNode ? "self,vader" : "self,vader,tcp"]
        if let network { options += ["--mca", "btl_tcp_if_include", network, "--mca", "oob_tcp_if_include", network] }
        if isOversubscribed { options.append("--oversubscribe") }
        options += binding == .core && !isOversubscribed ? ["--map-by", "core", "--bind-to", "core"] : ["--bind-to", "none"]
        options += ["-x", "OPENBLAS_NUM_THREADS=1"] + exported.flatMap { ["-x", $0] }
        if let termGraceSeconds { options += ["--mca", "odls_base_sigkill_timeout", String(termGraceSeconds)] }
        if asRoot { options.append("--allow-run-as-root") }
        return options
    }

    /// For a person: where the ranks run, how they are bound, and the transport.
    public var layout: [String] {
        let placement: String
        switch hosts {
        case let .local(slots): placement = "this machine (\(slots) cores)"
        case let .list(hosts), let .hostfile(_, hosts): placement = hosts.map { "\($0.host) slots=\($0.slots)" }.joined(separator: "; ")
        case .allocation: placement = "the batch system's allocation"
        }
        let bound = binding == .core && !isOversubscribed ? "one core per rank" : "none (ranks may share cores)"
        let transport = isOneNode ? "shared memory (vader), one node" : "shared memory (vader) on a node, TCP between nodes\(network.map { " on \($0)" } ?? "")"
        let count = (ranks ?? slots).map { "\($0) rank(s)" } ?? "the allocation's ranks"
        return ["layout: \(count) on: \(placement)",
                "binding: \(bound); OpenBLAS threads per rank: 1; transport: \(transport)"]
    }
}

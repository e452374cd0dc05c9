import ArgumentParser
import Coordinator
import Foundation

/// `spd mpirun-options`: the project's mpirun options for a layout, one per line, for the cluster scripts.
struct MPIRunOptionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mpirun-options",
        abstract: "Print the mpirun options SPDTrain runs its ranks with (one per line), for scripts.",
        discussion: """
        The one mpirun command line of the project: the coordinator launches with it, and cluster/launch, cluster/lib.sh \\
        and cluster/slurm.sbatch take it from here. Use: mapfile -t options < <(spd mpirun-options --ranks 2); \\
        mpirun "${options[@]}" spd train ... With --layout the placement, binding and transport are described on stderr.
        """)

    @Option(help: "Ranks (default: the hosts' slots; none under --allocation).") var ranks: Int?
    @Option(help: "An OpenMPI hostfile (host [slots=N] per line); without it every rank runs on this machine.") var hostfile: String?
    @Flag(help: "Take hosts and ranks from the batch system's allocation (Slurm).") var allocation = false
    @Option(help: "The network between nodes (btl_tcp_if_include, oob_tcp_if_include), e.g. 10.0.0.0/24.") var net: String?
    @Option(help: "core: one rank per core; none: no binding.") var bind: MPIRunOptions.Binding = .core
    @Option(name: .customLong("export"), help: "Pass this environment variable on to the ranks (-x NAME); repeatable.") var exported: [String] = []
    @Option(help: ArgumentHelp("Seconds mpirun gives its ranks after passing SIGTERM on, before it kills them (default 1): time to end the step and checkpoint. For batch systems that stop jobs with SIGTERM (Slurm: a little under KillWait).", valueName: "seconds"))
    var termGrace: Int?
    @Flag(help: "Describe the layout on stderr.") var layout = false

    func validate() throws {
        if allocation && hostfile != nil { throw ValidationError("--allocation and --hostfile exclude each other") }
        if let ranks, ranks < 1 { throw ValidationError("--ranks must be at least 1, got \(ranks)") }
        if let termGrace, !(1...86_400).contains(termGrace) { throw ValidationError("--term-grace must be from 1 to 86400 seconds, got \(termGrace)") }
    }

    func run() throws {
        try reportingErrors {
            let hosts: MPIRunOptions.Hosts
            if allocation {
                hosts = .allocation
            } else if let hostfile {
                hosts = .hostfile(path: hostfile, hosts: try Hostfile.load(hostfile))
            } else {
                hosts = .local(slots: ProcessInfo.processInfo.activeProcessorCount)
            }
            var options = MPIRunOptions(ranks: ranks, hosts: hosts, binding: bind, network: net, exported: exported,
                                        termGraceSeconds: termGrace, asRoot: geteuid() == 0)
            if options.ranks == nil, !allocation { options.ranks = options.slots }
            if layout { FileHandle.standardError.write(Data(options.layout.map { $0 + "\n" }.joined().utf8)) }
            print(options.arguments.joined(separator: "\n"))
        }
    }
}

extension MPIRunOptions.Binding: ExpressibleByArgument {}

import ArgumentParser

@main
struct SPD: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "spd", abstract: "SPDTrain: train SPD-Conv networks on CPU clusters.")
}

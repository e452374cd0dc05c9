import Foundation
import Models
import TestSupport
import XCTest

/// One state_dict entry as the reference listings give it.
struct StateDictRow: Equatable, CustomStringConvertible {
    let name: String
    let shape: [Int]
    let dtype: String
    var description: String { "\(name) \(shape) \(dtype)" }
}

/// Tests/Fixtures/reference/resnet-state-dicts/<file>: its rows in order and the parameter total of its header.
func referenceStateDict(_ file: String) throws -> (rows: [StateDictRow], parameterCount: Int) {
    let url = try TestFixtures.url("reference/resnet-state-dicts/\(file)")
    let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
    let header = lines.filter { $0.hasPrefix("#") }.joined(separator: "\n")
    guard let total = header.firstMatch(of: /(\d+) params/)?.1, let parameterCount = Int(total) else {
        throw MissingTestInput(what: "\(file): no parameter total in its header")
    }
    let rows = lines.filter { !$0.hasPrefix("#") }.map { line -> StateDictRow in
        let fields = line.split(separator: "\t").map(String.init)
        let shape = fields[2].dropFirst().dropLast().split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces))! }
        return StateDictRow(name: fields[1], shape: shape, dtype: fields[3])
    }
    return (rows, parameterCount)
}

extension ModelState {
    /// The state_dict in the listings' terms.
    var stateDictRows: [StateDictRow] {
        entries.map { StateDictRow(name: $0.name, shape: $0.shape, dtype: $0.kind == .counter ? "int64" : "float32") }
    }
}

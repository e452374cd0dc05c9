/// The activation that follows a batch norm.
public enum ActivationKind: String, Sendable {
    case silu, relu, identity
}

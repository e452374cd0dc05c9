import Tensor

/// One convolution of a model as run by the last forward pass.
public struct ConvolutionShape: Sendable {
    public let name: String
    public let geometry: ConvGeometry
    public let inputShape: TensorShape
    public let hasBias: Bool

    /// Two convolutions run the same kernels when geometry, input shape and bias agree.
    public func runsLike(_ other: ConvolutionShape) -> Bool {
        geometry == other.geometry && inputShape == other.inputShape && hasBias == other.hasBias
    }
}

/// Layers built from conv blocks list them, so benchmarks and FLOP reports can walk a model.
protocol ConvolutionContainer {
    var convBlocks: [ConvBlock] { get }
}

extension ConvBlock: ConvolutionContainer { var convBlocks: [ConvBlock] { [self] } }
extension Bottleneck: ConvolutionContainer { var convBlocks: [ConvBlock] { [cv1, cv2] } }
extension C3: ConvolutionContainer { var convBlocks: [ConvBlock] { [cv1] + bottlenecks.flatMap(\.convBlocks) + [cv2, cv3] } }
extension SPPF: ConvolutionContainer { var convBlocks: [ConvBlock] { [cv1, cv2] } }
extension Focus: ConvolutionContainer { var convBlocks: [ConvBlock] { [conv] } }
extension Sequential: ConvolutionContainer {
    var convBlocks: [ConvBlock] { layers.flatMap { ($0 as? ConvolutionContainer)?.convBlocks ?? [] } }
}

extension ConvBlock {
    var shapeOfLastForward: ConvolutionShape? {
        lastInputShape.map { ConvolutionShape(name: name, geometry: geometry, inputShape: $0, hasBias: false) }
    }
}

extension DetectionModel {
    /// Every convolution with its input shape from the last forward pass, in execution order.
    public var convolutions: [ConvolutionShape] {
        layers.flatMap { ($0 as? ConvolutionContainer)?.convBlocks ?? [] }.compactMap(\.shapeOfLastForward) + detect.convolutions
    }
}

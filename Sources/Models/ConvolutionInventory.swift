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

/// Layers that run convolutions list them with their input shapes of the last forward pass, so benchmarks and
/// FLOP reports can walk a model.
protocol ConvolutionContainer {
    var convolutionsOfLastForward: [ConvolutionShape] { get }
}

/// The convolutions of any layers that list theirs, in order.
func convolutionsOfLastForward(_ layers: [Any]) -> [ConvolutionShape] {
    layers.flatMap { ($0 as? ConvolutionContainer)?.convolutionsOfLastForward ?? [] }
}

extension ConvBlock: ConvolutionContainer {
    var convolutionsOfLastForward: [ConvolutionShape] {
        lastInputShape.map { [ConvolutionShape(name: name, geometry: geometry, inputShape: $0, hasBias: false)] } ?? []
    }
}
extension ResNetSPDConv: ConvolutionContainer {
    var convolutionsOfLastForward: [ConvolutionShape] {
        lastInputShape.map { [ConvolutionShape(name: name, geometry: geometry, inputShape: $0, hasBias: false)] } ?? []
    }
}
extension Bottleneck: ConvolutionContainer { var convolutionsOfLastForward: [ConvolutionShape] { [cv1, cv2].flatMap(\.convolutionsOfLastForward) } }
extension C3: ConvolutionContainer {
    var convolutionsOfLastForward: [ConvolutionShape] {
        cv1.convolutionsOfLastForward + bottlenecks.flatMap(\.convolutionsOfLastForward) + [cv2, cv3].flatMap(\.convolutionsOfLastForward)
    }
}
extension SPPF: ConvolutionContainer { var convolutionsOfLastForward: [ConvolutionShape] { [cv1, cv2].flatMap(\.convolutionsOfLastForward) } }
extension Focus: ConvolutionContainer { var convolutionsOfLastForward: [ConvolutionShape] { conv.convolutionsOfLastForward } }
extension Sequential: ConvolutionContainer { var convolutionsOfLastForward: [ConvolutionShape] { Models.convolutionsOfLastForward(layers) } }
extension ResNetBlock: ConvolutionContainer {
    var convolutionsOfLastForward: [ConvolutionShape] { residual.convolutionsOfLastForward + (shortcut?.convolutionsOfLastForward ?? []) }
}

extension DetectionModel {
    /// Every convolution with its input shape from the last forward pass, in execution order.
    public var convolutions: [ConvolutionShape] { Models.convolutionsOfLastForward(layers) + detect.convolutions }
}

extension ClassificationModel {
    /// Every convolution with its input shape from the last forward pass, in execution order (the classifier's linear
    /// layer is not a convolution).
    public var convolutions: [ConvolutionShape] { Models.convolutionsOfLastForward(layers) }
}

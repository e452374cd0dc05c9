import Tensor

/// Builds a ResNet's layers, registering state under the reference state_dict names in the reference order.
/// Module indices inside `residual_function` count every nn.Sequential entry (conv, space_to_depth, BN, ReLU),
/// so the SPD blocks' names skip the parameterless ones exactly as PyTorch's do.
struct ResNetBuilder {
    let definition: ResNetDefinition
    let context: ModelContext
    private let settings = BatchNormSettings.pytorchDefault

    init(definition: ResNetDefinition, context: ModelContext) {
        self.definition = definition
        self.context = context
    }

    /// Stem, conv2_x..conv5_x blocks, classifier `fc`, each with the number of parameters it registered.
    func build() -> [(layer: SingleInputLayer, parameters: Int)] {
        var built: [(layer: SingleInputLayer, parameters: Int)] = []
        func add(_ make: () -> SingleInputLayer) {
            let first = context.state.entries.count
            let layer = make()
            built.append((layer, context.state.entries[first...].filter { $0.kind.isParameter }.reduce(0) { $0 + $1.count }))
        }
        add(stem)
        var channels = 64
        for (stage, (width, count)) in zip(ResNetDefinition.stageWidths, definition.layers).enumerated() {
            for i in 0..<count {
                let stride = stage > 0 && i == 0 ? 2 : 1
                add { block(prefix: "conv\(stage + 2)_x.\(i)", inChannels: channels, width: width, stride: stride) }
                channels = width * definition.block.expansion
            }
        }
        add { ResNetClassifier(context, name: "fc", features: channels, classes: definition.classes) }
        return built
    }

    /// SPD: Focus(3, 64, k=1) = space_to_depth -> Conv(12 -> 64, 1x1) -> BN -> SiLU (`conv1.conv.{conv,bn}`).
    /// Baseline: Conv3x3(3 -> 64) -> BN -> ReLU (`conv1.{0,1}`).
    private func stem() -> SingleInputLayer {
        if definition.spd {
            return Sequential([
                SpaceToDepthLayer(name: "conv1 (space_to_depth)"),
                ConvBlock(context, convName: "conv1.conv.conv", batchNormName: "conv1.conv.bn",
                          geometry: ConvGeometry(inChannels: 12, outChannels: 64, kernel: 1), activation: .silu, batchNorm: settings),
            ])
        }
        return ConvBlock(context, convName: "conv1.0", batchNormName: "conv1.1",
                         geometry: ConvGeometry(inChannels: 3, outChannels: 64, kernel: 3), activation: .relu, batchNorm: settings)
    }

    /// BasicBlock: 3x3 (in -> w) -> 3x3 (-> w). BottleNeck: 1x1 (in -> w) -> 3x3 (w -> w) -> 1x1 (-> 4w).
    /// With SPD and stride 2 the strided 3x3 becomes a stride-1 3x3 -> SPD -> BN(4w), so the next conv reads 4w.
    private func block(prefix: String, inChannels: Int, width: Int, stride: Int) -> ResNetBlock {
        var index = 0
        func nextModule() -> String {
            defer { index += 1 }
            return "\(prefix).residual_function.\(index)"
        }
        func convBN(_ c1: Int, _ c2: Int, kernel: Int, stride: Int = 1, activation: ActivationKind) -> SingleInputLayer {
            let conv = nextModule(), batchNorm = nextModule()
            if activation != .identity { _ = nextModule() }
            return ConvBlock(context, convName: conv, batchNormName: batchNorm,
                             geometry: ConvGeometry(inChannels: c1, outChannels: c2, kernel: kernel, stride: stride),
                             activation: activation, batchNorm: settings)
        }
        func convSPD(_ c1: Int, _ c2: Int) -> SingleInputLayer {
            let conv = nextModule()
            _ = nextModule()
            let batchNorm = nextModule()
            _ = nextModule()
            return ResNetSPDConv(context, convName: conv, batchNormName: batchNorm,
                                 geometry: ConvGeometry(inChannels: c1, outChannels: c2, kernel: 3), activation: .relu, batchNorm: settings)
        }
        /// The 3x3 conv that carries the block's stride, and its output width.
        func strided3x3(_ c1: Int) -> (SingleInputLayer, Int) {
            definition.spd && stride == 2 ? (convSPD(c1, width), 4 * width) : (convBN(c1, width, kernel: 3, stride: stride, activation: .relu), width)
        }
        let outChannels = width * definition.block.expansion
        var residual: [SingleInputLayer] = []
        switch definition.block {
        case .basic:
            let (first, firstWidth) = strided3x3(inChannels)
            residual = [first, convBN(firstWidth, outChannels, kernel: 3, activation: .identity)]
        case .bottleneck:
            let reduce = convBN(inChannels, width, kernel: 1, activation: .relu)
            let (middle, middleWidth) = strided3x3(width)
            residual = [reduce, middle, convBN(middleWidth, outChannels, kernel: 1, activation: .identity)]
        }
        var shortcut: ConvBlock?
        if stride != 1 || inChannels != outChannels {
            shortcut = ConvBlock(context, convName: "\(prefix).shortcut.0", batchNormName: "\(prefix).shortcut.1",
                                 geometry: ConvGeometry(inChannels: inChannels, outChannels: outChannels, kernel: 1, stride: stride),
                                 activation: .identity, batchNorm: settings)
        }
        return ResNetBlock(name: prefix, residual: Sequential(residual), shortcut: shortcut)
    }
}

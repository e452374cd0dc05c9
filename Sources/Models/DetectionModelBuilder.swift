import Support
import Tensor

/// Turns model-file rows into layers with YOLOv5's parse_model rules (channel bookkeeping, width and depth
/// multiples, argument defaults), registering state under the reference names `model.<row>.*`.
struct DetectionModelBuilder {
    let definition: ModelDefinition
    let context: ModelContext

    struct Result {
        var rows: [BuiltRow]
        var layers: [Layer]
        var detect: Detect
        var maximumStride: Int
    }

    private func fail(_ row: Int, _ message: String) -> FileProblem {
        FileProblem(file: definition.file, message: "row \(row): \(message)")
    }

    func build() throws -> Result {
        let all = definition.rows
        let nc = definition.classes
        let anchorsPerLevel = (definition.anchors.first?.count ?? 6) / 2
        let outputsTotal = anchorsPerLevel * (nc + 5)
        var channels: [Int] = []      // output channels per row
        var downsampling: [Int] = []  // input pixels per output pixel, per row
        var rows: [BuiltRow] = [], layers: [Layer] = []
        for (i, row) in all.enumerated() {
            let from = try row.from.map { f -> Int in
                let source = f < 0 ? i + f : f
                guard source >= -1, source < i, i > 0 || source == -1 else { throw fail(i, "'from' \(f) does not name an earlier row") }
                return source
            }
            let inputChannels = from.map { $0 < 0 ? 3 : channels[$0] }
            let inputDown = from.map { $0 < 0 ? 1 : downsampling[$0] }
            let c1 = inputChannels[0]
            let n = scaledDepth(row.number, multiple: definition.depthMultiple)
            let prefix = "model.\(i)"
            let firstEntry = context.state.entries.count
            let args = row.arguments
            func int(_ index: Int, default value: Int? = nil) throws -> Int {
                if index < args.count, case let .int(v) = args[index] { return v }
                if index >= args.count || args[index] == .none, let value { return value }
                throw fail(i, "\(row.module) argument \(index + 1) must be an integer, got \(index < args.count ? args[index].description : "nothing")")
            }
            func bool(_ index: Int, default value: Bool) throws -> Bool {
                if index >= args.count { return value }
                if case let .bool(v) = args[index] { return v }
                throw fail(i, "\(row.module) argument \(index + 1) must be True or False, got \(args[index])")
            }
            func outChannels(minimum: Int = 1) throws -> Int {
                let written = try int(0)
                guard (1...ModelLimits.maximumChannels).contains(written) else {
                    throw fail(i, "\(row.module) width \(written) must be from 1 to \(ModelLimits.maximumChannels)")
                }
                let c2 = written == outputsTotal ? written : scaledWidth(written, multiple: definition.widthMultiple)
                guard (minimum...ModelLimits.maximumChannels).contains(c2) else {
                    throw fail(i, "\(row.module) width \(written) is \(c2) after width_multiple, outside \(minimum)...\(ModelLimits.maximumChannels)")
                }
                return c2
            }
            func kernel(_ index: Int, default value: Int, odd: Bool = false) throws -> Int {
                let k = try int(index, default: value)
                guard (1...ModelLimits.maximumKernel).contains(k), !odd || k % 2 == 1 else {
                    throw fail(i, "\(row.module) kernel \(k) must be \(odd ? "odd and " : "")from 1 to \(ModelLimits.maximumKernel)")
                }
                return k
            }
            func downsample(by factor: Int) throws {
                let (product, overflow) = down.multipliedReportingOverflow(by: factor)
                guard !overflow, product <= ModelLimits.maximumDownsampling else {
                    throw fail(i, "the input would be downsampled more than \(ModelLimits.maximumDownsampling) times")
                }
                down = product
            }
            func repeated(_ make: (String) throws -> SingleInputLayer) throws -> Layer {
                n > 1 ? Sequential(try (0..<n).map { try make("\(prefix).\($0)") }) : try make(prefix)
            }
            func single() throws {
                guard from.count == 1 else { throw fail(i, "\(row.module) takes one input, 'from' lists \(from.count)") }
            }
            var c2 = c1, down = inputDown[0], shownArguments: [String]
            guard n <= ModelLimits.maximumRepeats else { throw fail(i, "\(n) repeats after depth_multiple, more than \(ModelLimits.maximumRepeats)") }
            let layer: Layer
            switch row.module {
            case "Conv":
                try single()
                c2 = try outChannels()
                let k = try kernel(1, default: 1), s = try int(2, default: 1), p = try int(3, default: k / 2)
                guard (1...ModelLimits.maximumConvStride).contains(s) else { throw fail(i, "Conv stride \(s) must be from 1 to \(ModelLimits.maximumConvStride)") }
                guard (0...k).contains(p) else { throw fail(i, "Conv padding \(p) must be from 0 to the kernel \(k)") }
                if args.count > 4, try int(4, default: 1) != 1 { throw fail(i, "grouped convolutions are not supported") }
                var inC = c1
                layer = try repeated { name in
                    defer { inC = c2 }
                    return ConvBlock(context, yolo: name, inC, c2, kernel: k, stride: s, padding: p)
                }
                for _ in 0..<n { try downsample(by: s) }
                shownArguments = [c1, c2, k, s].map(String.init)
            case "Focus":
                try single()
                c2 = try outChannels()
                let k = try kernel(1, default: 1)
                if try int(2, default: 1) != 1 { throw fail(i, "Focus with stride other than 1 is not supported") }
                guard n == 1 else { throw fail(i, "Focus cannot repeat") }
                layer = Focus(context, prefix: prefix, c1, c2, kernel: k)
                try downsample(by: 2)
                shownArguments = [c1, c2, k].map(String.init)
            case "C3":
                try single()
                c2 = try outChannels(minimum: 2)
                let shortcut = try bool(1, default: true)
                layer = C3(context, prefix: prefix, c1, c2, repeats: n, shortcut: shortcut)
                shownArguments = [String(c1), String(c2), String(n)] + (shortcut ? [] : ["False"])
            case "Bottleneck":
                try single()
                c2 = try outChannels(minimum: 2)
                let shortcut = try bool(1, default: true)
                var inC = c1
                layer = try repeated { name in
                    defer { inC = c2 }
                    return Bottleneck(context, prefix: name, inC, c2, shortcut: shortcut, expansion: 0.5)
                }
                shownArguments = [String(c1), String(c2)] + (shortcut ? [] : ["False"])
            case "SPPF":
                try single()
                c2 = try outChannels()
                let k = try kernel(1, default: 5, odd: true)
                guard c1 >= 2 else { throw fail(i, "SPPF needs at least 2 input channels, got \(c1)") }
                guard n == 1 else { throw fail(i, "SPPF cannot repeat") }
                layer = SPPF(context, prefix: prefix, c1, c2, kernel: k)
                shownArguments = [c1, c2, k].map(String.init)
            case "space_to_depth":
                try single()
                guard n == 1 else { throw fail(i, "space_to_depth cannot repeat") }
                c2 = 4 * c1
                guard c2 <= ModelLimits.maximumChannels else { throw fail(i, "space_to_depth makes \(c2) channels, more than \(ModelLimits.maximumChannels)") }
                layer = SpaceToDepthLayer(name: "\(prefix) (space_to_depth)")
                try downsample(by: 2)
                shownArguments = ["1"]
            case "nn.Upsample":
                try single()
                let scale: Int
                if args.count > 1, case let .int(v) = args[1] { scale = v } else if args.count > 1, case let .double(v) = args[1], v == 2 { scale = 2 } else { scale = 0 }
                guard scale == 2, args.count < 3 || args[2] == .string("nearest") else { throw fail(i, "only nn.Upsample(None, 2, 'nearest') is supported, got \(args)") }
                guard n == 1 else { throw fail(i, "nn.Upsample cannot repeat") }
                guard down >= 2 else { throw fail(i, "nn.Upsample would make its input finer than the image") }
                layer = UpsampleLayer()
                down /= 2
                shownArguments = ["None", "2", "'nearest'"]
            case "Concat":
                if args.count > 0, try int(0) != 1 { throw fail(i, "Concat is supported along dimension 1 (channels) only") }
                guard Set(inputDown).count == 1 else { throw fail(i, "Concat inputs have different resolutions (downsampling \(inputDown))") }
                c2 = inputChannels.reduce(0, +)
                guard c2 <= ModelLimits.maximumChannels else { throw fail(i, "Concat makes \(c2) channels, more than \(ModelLimits.maximumChannels)") }
                layer = ConcatLayer(name: "\(prefix) (Concat)")
                shownArguments = ["1"]
            case "Detect":
                guard i == all.count - 1 else { throw fail(i, "Detect must be the last row") }
                guard !definition.anchors.isEmpty else { throw fail(i, "Detect needs 'anchors'") }
                guard definition.anchors.count == from.count else {
                    throw fail(i, "Detect has \(from.count) inputs but 'anchors' lists \(definition.anchors.count) levels")
                }
                let anchors = definition.anchors.map { level in stride(from: 0, to: level.count, by: 2).map { (w: Float(level[$0]), h: Float(level[$0 + 1])) } }
                let detect = Detect(context, prefix: prefix, classes: nc, anchorsInPixels: anchors, inputChannels: inputChannels)
                if let entry = context.state.firstOversizeEntry { throw ModelState.oversize(entry: entry, file: definition.file) }
                let strides = inputDown
                guard strides == strides.sorted(), zip(strides, strides.dropFirst()).allSatisfy({ $1 == 2 * $0 }) else {
                    throw fail(i, "Detect inputs must have strides doubling level by level, got \(strides)")
                }
                rows.append(BuiltRow(index: i, from: from, number: 1, module: "Detect", arguments: [String(nc), "\(definition.anchors.map { $0.map { Int($0) } })", "\(inputChannels)"],
                                     outputChannels: outputsTotal, downsampling: strides.last!, parameterCount: parameterCount(since: firstEntry)))
                return Result(rows: rows, layers: layers, detect: detect, maximumStride: max(strides.last!, downsampling.max() ?? 1))
            default:
                throw fail(i, "unknown module '\(row.module)' (supported: Conv, Focus, C3, Bottleneck, SPPF, space_to_depth, nn.Upsample, Concat, Detect)")
            }
            if let entry = context.state.firstOversizeEntry { throw ModelState.oversize(entry: entry, file: definition.file) }
            layers.append(layer)
            channels.append(c2)
            downsampling.append(down)
            rows.append(BuiltRow(index: i, from: from, number: n, module: row.module, arguments: shownArguments,
                                 outputChannels: c2, downsampling: down, parameterCount: parameterCount(since: firstEntry)))
        }
        throw FileProblem(file: definition.file, message: "the last row must be Detect")
    }

    private func parameterCount(since first: Int) -> Int {
        context.state.entries[first...].filter { $0.kind.isParameter }.reduce(0) { $0 + $1.count }
    }
}

// swift-tools-version:6.0
// SPDTrain: data-parallel training of SPD-Conv networks on CPU clusters.
import Foundation
import PackageDescription

/// The CPU the kernels are compiled for. On x86-64 the default is `haswell` (AVX2 + FMA, every x86 server
/// since 2013): activations and im2col vectorise 8 wide, three times faster than the baseline x86-64 target.
/// Build with SPD_TARGET_CPU=x86-64 for older machines, or =native for the build machine's own CPU.
#if arch(x86_64)
let targetCPU = ProcessInfo.processInfo.environment["SPD_TARGET_CPU"] ?? "haswell"
#else
let targetCPU = ProcessInfo.processInfo.environment["SPD_TARGET_CPU"] ?? ""
#endif

/// Kernels are compiled with -Ounchecked in release builds: the hot loops index raw buffers whose bounds are
/// validated once per call by throwing shape checks, so per-element traps only cost time.
let kernelFlags: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked"] + (targetCPU.isEmpty ? [] : ["-target-cpu", targetCPU]), .when(configuration: .release)),
]

/// The AVX-512 build of the kernels (module KernelsAVX512, the same source files as Kernels): AVX-512 F/CD/BW/DQ/VL
/// (`skylake-avx512`, what every AVX-512 server CPU has) with 512-bit vectors preferred (LLVM otherwise keeps 256-bit
/// vectors on Intel targets). `Tensor.KernelVariant` runs it only on CPUs with those extensions.
#if arch(x86_64)
let avx512KernelFlags: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-target-cpu", "skylake-avx512",
                  "-Xcc", "-Xclang", "-Xcc", "-target-feature", "-Xcc", "-Xclang", "-Xcc", "-prefer-256-bit"], .when(configuration: .release)),
]
#else
let avx512KernelFlags = kernelFlags
#endif

let package = Package(
    name: "SPDTrain",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "spd", targets: ["spd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // C system libraries (Debian packages), each behind a small shim header.
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CTurboJPEG", path: "Sources/CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // The kernel set's interface: the protocol and the value types its kernels take (shapes, conv geometry).
        .target(name: "KernelInterface", swiftSettings: kernelFlags),
        // The project's own hot loops (BN + activation, pointwise, im2col, SPD/layout, pooling, optimizers), baseline build.
        .target(name: "Kernels", dependencies: ["KernelInterface"], swiftSettings: kernelFlags),
        // The same kernels (Sources/KernelsAVX512 links to Sources/Kernels' files) compiled for AVX-512.
        .target(name: "KernelsAVX512", dependencies: ["KernelInterface"], swiftSettings: avx512KernelFlags),
        // Tensor engine: NHWC storage, ops with paired forward/backward, GEMM through OpenBLAS, the kernel variant choice.
        .target(name: "Support", dependencies: ["POSIXFiles", .product(name: "Yams", package: "Yams")]),
        // bf16 GEMMs through oneDNN's matmul (Debian's libdnnl-dev), the AMX permission request and bf16 rounding, in C.
        .target(name: "CBF16GEMM", linkerSettings: [.linkedLibrary("dnnl"), .linkedLibrary("gomp")]),
        .target(name: "Tensor", dependencies: ["Support", "CBLAS", "CBF16GEMM", "KernelInterface", "Kernels", "KernelsAVX512"], swiftSettings: kernelFlags),
        // Weight and array files: safetensors (PyTorch state_dict names) and NumPy .npy.
        .target(name: "POSIXFiles", dependencies: ["Checksum"]),
        .target(name: "TensorFiles", dependencies: ["POSIXFiles"]),
        // SHA-256, streaming, for shards and checkpoints.
        .target(name: "Checksum", swiftSettings: kernelFlags),
        // Dataset shards: zstd-compressed tar streams plus dataset.json.
        .target(name: "Shards", dependencies: ["CZstd", "Checksum", "POSIXFiles"]),
        // YOLOv5 v6.0 ComputeLoss with its gradient, on channels-last head outputs.
        .target(name: "DetectionLoss", swiftSettings: kernelFlags),
        // Models: YOLOv5-format model files and ResNets built into layer graphs over one parameter arena.
        .target(name: "Models", dependencies: ["Support", "Tensor", "TensorFiles"], swiftSettings: kernelFlags),
        // Training: the step (forward, loss, backward), optimizers, schedules.
        .target(name: "RunFormat", dependencies: ["Support", "POSIXFiles", "TensorFiles", "SampleStream"]),
        // Protobuf's wire format, written by hand for the few messages of TensorBoard event files and ONNX models.
        .target(name: "Protobuf"),
        .target(name: "TensorBoard", dependencies: ["Protobuf"]),
        // ONNX inference graphs of built models (YOLOv5 detectors with their decoded Detect output, ResNet logits).
        .target(name: "ONNX", dependencies: ["Protobuf", "Models", "KernelInterface", "TensorFiles"]),
        .target(name: "Optim", dependencies: ["Support", "Models", "Tensor", "RunFormat"], swiftSettings: kernelFlags),
        .target(name: "Training", dependencies: ["Support", "RunFormat", "TensorBoard", "Plots", "Optim", "Tensor", "Models", "DetectionLoss", "TensorFiles", "SampleStream", "Augment", "Imaging", "Detection", "Evaluation", "Distributed", "Shards", "Checksum", "POSIXFiles"], swiftSettings: kernelFlags),
        // Images: JPEG/PNG/PPM decode and encode, resize, letterbox, NHWC float conversion, drawing.
        .target(name: "Imaging", dependencies: ["CTurboJPEG", "CPNG", "POSIXFiles"], swiftSettings: kernelFlags),
        // Detection post-processing: YOLOv5 non-max suppression, box rescaling, COCO results JSON.
        .target(name: "Detection", swiftSettings: kernelFlags),
        // Dataset converters (COCO, YOLO, CIFAR-10, IDX, folders), built-in Fashion-MNIST sets, inspect and verify.
        .target(name: "Datasets", dependencies: ["Shards", "Imaging", "Support", "POSIXFiles", "Checksum", "CZlib"]),
        // COCO box metrics exactly as pycocotools computes them; classification accuracy and confusion.
        .target(name: "Evaluation", dependencies: ["Support", "Detection"]),
        .target(name: "Plots", dependencies: ["Support", "Imaging", "Evaluation"]),
        // The per-rank sample stream: epoch order, windows, background prefetch, resumable positions.
        .target(name: "SampleStream", dependencies: ["Shards", "Support"]),
        // Data parallelism: communicators (MPI, in-process, single), gradient buckets, replica checks.
        .target(name: "Distributed", dependencies: ["CMPI", "Support"], swiftSettings: kernelFlags),
        // Detection and classification augmentation (YOLOv5 v6.0 mosaic, perspective, HSV, flip), sample decoding, collation.
        .target(name: "Augment", dependencies: ["Imaging", "SampleStream", "Shards", "Support", "Tensor", "DetectionLoss"], swiftSettings: kernelFlags),
        // Benchmarks behind `spd bench`.
        .target(name: "Benchmarks", dependencies: ["Support", "RunFormat", "Optim", "Distributed", "Tensor", "Models", "Training", "DetectionLoss", "Augment", "Imaging", "SampleStream", "Shards"], swiftSettings: kernelFlags),
        // The coordinator: run queue (SQLite through GRDB), sweeps, scheduler, launcher, monitor, recovery, reports.
        .target(name: "Coordinator", dependencies: ["Support", "POSIXFiles", "Models", "Tensor", "RunFormat", "Shards", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Yams", package: "Yams")]),
        // Inference: detection on image files, run-directory checkpoints (listing, weights export).
        .target(name: "Inference", dependencies: ["Support", "POSIXFiles", "Models", "ONNX", "Imaging", "Detection", "RunFormat", "Tensor", "TensorFiles", "Shards", "Checksum"]),
        // The command-line front end.
        .executableTarget(name: "spd", dependencies: [
            "Support", "POSIXFiles", "Tensor", "TensorFiles", "Models", "Training", "RunFormat", "DetectionLoss", "Detection", "Distributed", "Benchmarks", "Datasets", "Evaluation", "Coordinator", "Inference", "ONNX",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Shared by the test targets: the fixture locator (Tests/Fixtures) and the external-tool checks.
        .target(name: "TestSupport", dependencies: ["Tensor"], path: "Tests/TestSupport"),
        // The gate probe: fails on purpose under SPD_TEST_GATE_PROBE=1 (cluster/gate-test).
        .testTarget(name: "GateTests"),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "Kernels", "KernelsAVX512", "TestSupport"]),
        .testTarget(name: "POSIXFilesTests", dependencies: ["POSIXFiles", "Checksum"]),
        .testTarget(name: "TensorFilesTests", dependencies: ["TensorFiles", "TestSupport"]),
        .testTarget(name: "SampleStreamTests", dependencies: ["SampleStream", "Shards", "TestSupport"]),
        .testTarget(name: "DistributedTests", dependencies: ["Distributed", "TestSupport"]),
        .testTarget(name: "OptimTests", dependencies: ["Optim", "Models", "Tensor", "RunFormat"]),
        .testTarget(name: "TrainingTests", dependencies: ["Support", "POSIXFiles", "RunFormat", "Optim", "Training", "Models", "Tensor", "DetectionLoss", "Detection", "Evaluation", "TensorFiles", "Distributed", "Imaging", "Shards", "Datasets", "Augment", "TestSupport"]),
        .testTarget(name: "BenchmarksTests", dependencies: ["Benchmarks", "TestSupport"]),
        .testTarget(name: "ModelsTests", dependencies: ["Support", "Models", "Tensor", "TensorFiles", "TestSupport"]),
        .testTarget(name: "ChecksumTests", dependencies: ["Checksum", "TestSupport"]),
        .testTarget(name: "ShardsTests", dependencies: ["Shards", "Checksum", "TestSupport"]),
        .testTarget(name: "DetectionLossTests", dependencies: ["DetectionLoss", "TestSupport"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "TestSupport"]),
        .testTarget(name: "DetectionTests", dependencies: ["Detection", "TestSupport"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Support", "Evaluation", "Detection", "Tensor", "TestSupport"]),
        .testTarget(name: "AugmentTests", dependencies: ["Support", "Augment", "Imaging", "Shards", "SampleStream", "Tensor", "DetectionLoss", "Detection", "TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Shards", "Imaging", "TestSupport"]),
        .testTarget(name: "InferenceTests", dependencies: ["Inference", "RunFormat", "Training", "Models", "Support", "Tensor", "Detection", "Imaging", "Distributed", "Shards", "TensorFiles", "TestSupport"]),
        .testTarget(name: "RunFormatTests", dependencies: ["RunFormat", "TestSupport"]),
        .testTarget(name: "TensorBoardTests", dependencies: ["TensorBoard", "TestSupport"]),
        .testTarget(name: "ProtobufTests", dependencies: ["Protobuf"]),
        .testTarget(name: "ONNXTests", dependencies: ["ONNX", "Models", "Support", "Tensor", "TestSupport"]),
        .testTarget(name: "PlotsTests", dependencies: ["Plots", "Imaging", "Support"]),
        .testTarget(name: "CoordinatorTests", dependencies: ["Coordinator", "TestSupport"]),
        .testTarget(name: "SupportTests", dependencies: ["Support", .product(name: "Yams", package: "Yams")]),
        .testTarget(name: "spdTests", dependencies: ["spd", "RunFormat", "Imaging", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    ]
)

/// The libFuzzer harness (cluster/fuzz builds it with SPD_FUZZ=1 and -sanitize=fuzzer,address): left out of every
/// other build, where it would have no main.
if ProcessInfo.processInfo.environment["SPD_FUZZ"] != nil {
    package.targets.append(.target(name: "CFuzzer"))
    package.targets.append(.executableTarget(name: "spd-fuzz", dependencies: ["CFuzzer", "Coordinator", "Datasets", "Models", "POSIXFiles", "RunFormat", "Shards", "TensorFiles"]))
    package.products.append(.executable(name: "spd-fuzz", targets: ["spd-fuzz"]))
}

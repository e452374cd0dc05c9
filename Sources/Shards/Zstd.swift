import CZstd

/// Throws `.zstd` naming `path` if `code` is a zstd error code; returns it otherwise.
@discardableResult
private func checkZstd(_ code: Int, _ operation: String, _ path: String) throws -> Int {
    if ZSTD_isError(code) != 0 {
        throw ShardError.zstd(file: path, operation: operation, reason: String(cString: ZSTD_getErrorName(code)), sample: nil)
    }
    return code
}

/// Streaming zstd compression into a `ByteSink` (e.g. an `OutputFile`), through one output buffer of
/// `ZSTD_CStreamOutSize()` bytes. Call `finish()` to end the frame; without it the output is a truncated frame.
public final class ZstdCompressor: ByteSink {
    public var path: String { output.path }
    private let output: ByteSink
    private let stream: OpaquePointer
    private let outputBuffer: UnsafeMutableRawBufferPointer

    /// The largest `workers` value this libzstd accepts (0 when it was built without multithreading).
    public static var maxWorkers: Int {
        let bounds = ZSTD_cParam_getBounds(ZSTD_c_nbWorkers)
        return ZSTD_isError(bounds.error) != 0 ? 0 : Int(bounds.upperBound)
    }

    /// - Parameters:
    ///   - level: zstd compression level (1...19, up to 22 and negative levels too; 3 is zstd's default).
    ///   - workers: compression threads besides the caller (ZSTD_c_nbWorkers); 0 compresses on the calling
    ///     thread. Clamped to `maxWorkers`.
    public init(output: ByteSink, level: Int = 3, workers: Int = 0) throws {
        self.output = output
        guard let stream = ZSTD_createCStream() else {
            throw ShardError.zstd(file: output.path, operation: "ZSTD_createCStream", reason: "out of memory", sample: nil)
        }
        self.stream = stream
        outputBuffer = .allocate(byteCount: ZSTD_CStreamOutSize(), alignment: 16)
        try checkZstd(ZSTD_CCtx_setParameter(stream, ZSTD_c_compressionLevel, Int32(clamping: level)), "setting level \(level)", output.path)
        try checkZstd(ZSTD_CCtx_setParameter(stream, ZSTD_c_checksumFlag, 1), "enabling frame checksums", output.path)
        let threads = min(max(workers, 0), Self.maxWorkers)
        if threads > 0 {
            try checkZstd(ZSTD_CCtx_setParameter(stream, ZSTD_c_nbWorkers, Int32(threads)), "setting \(threads) workers", output.path)
        }
    }

    deinit {
        ZSTD_freeCStream(stream)
        outputBuffer.deallocate()
    }

    /// Compresses `bytes`, writing compressed output as the output buffer fills.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var input = ZSTD_inBuffer(src: bytes.baseAddress, size: bytes.count, pos: 0)
        while input.pos < input.size {
            var out = ZSTD_outBuffer(dst: outputBuffer.baseAddress, size: outputBuffer.count, pos: 0)
            try checkZstd(ZSTD_compressStream2(stream, &out, &input, ZSTD_e_continue), "compression", path)
            try flush(out)
        }
    }

    /// Ends the frame (ZSTD_endStream) and writes everything still buffered.
    public func finish() throws {
        var remaining = 1
        while remaining != 0 {
            var out = ZSTD_outBuffer(dst: outputBuffer.baseAddress, size: outputBuffer.count, pos: 0)
            remaining = try checkZstd(ZSTD_endStream(stream, &out), "ending the frame", path)
            try flush(out)
        }
    }

    private func flush(_ out: ZSTD_outBuffer) throws {
        if out.pos > 0 { try output.write(UnsafeRawBufferPointer(start: outputBuffer.baseAddress, count: out.pos)) }
    }
}

/// Streaming zstd decompression from a `ByteSource` (e.g. an `InputFile`), through buffers of
/// `ZSTD_DStreamInSize()` and `ZSTD_DStreamOutSize()` bytes. Concatenated frames are read as one stream.
/// If the source ends inside a frame, `read` throws `.truncatedFrame`.
public final class ZstdDecompressor: ByteSource {
    public var path: String { source.path }
    private let source: ByteSource
    private let stream: OpaquePointer
    private let inputBuffer: UnsafeMutableRawBufferPointer
    private let outputBuffer: UnsafeMutableRawBufferPointer
    private var input: ZSTD_inBuffer
    /// Decompressed bytes not yet returned: outputBuffer[outputStart ..< outputEnd].
    private var outputStart = 0
    private var outputEnd = 0
    /// The last decompression call filled the output buffer inside a frame, so the decoder may hold more output.
    /// (After a frame's end, a call without input would start a new frame and wait for its header.)
    private var decoderMayHoldOutput = false
    /// A frame has been started and not yet completed.
    private var insideFrame = false
    private var sourceEnded = false

    public init(source: ByteSource) throws {
        self.source = source
        guard let stream = ZSTD_createDStream() else {
            throw ShardError.zstd(file: source.path, operation: "ZSTD_createDStream", reason: "out of memory", sample: nil)
        }
        self.stream = stream
        inputBuffer = .allocate(byteCount: ZSTD_DStreamInSize(), alignment: 16)
        outputBuffer = .allocate(byteCount: ZSTD_DStreamOutSize(), alignment: 16)
        input = ZSTD_inBuffer(src: inputBuffer.baseAddress, size: 0, pos: 0)
    }

    deinit {
        ZSTD_freeDStream(stream)
        inputBuffer.deallocate()
        outputBuffer.deallocate()
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard buffer.count > 0 else { return 0 }
        while outputStart == outputEnd {
            if input.pos == input.size && !decoderMayHoldOutput {
                if sourceEnded {
                    if insideFrame { throw ShardError.truncatedFrame(file: path, sample: nil) }
                    return 0
                }
                let count = try source.read(into: inputBuffer)
                input = ZSTD_inBuffer(src: inputBuffer.baseAddress, size: count, pos: 0)
                sourceEnded = count == 0
                continue
            }
            var out = ZSTD_outBuffer(dst: outputBuffer.baseAddress, size: outputBuffer.count, pos: 0)
            let hint = try checkZstd(ZSTD_decompressStream(stream, &out, &input), "decompression", path)
            insideFrame = hint != 0
            decoderMayHoldOutput = insideFrame && out.pos == out.size
            outputStart = 0
            outputEnd = out.pos
        }
        let count = min(buffer.count, outputEnd - outputStart)
        buffer.baseAddress!.copyMemory(from: outputBuffer.baseAddress! + outputStart, byteCount: count)
        outputStart += count
        return count
    }
}

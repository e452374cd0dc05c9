// Conversion between little-endian element bytes and Swift values, shared by every reader and writer.

/// Decodes little-endian elements of the floating-point `dtype` from `raw` into Floats.
/// `dtype.isFloatingPoint` must be true; F64 values are rounded to the nearest Float.
func decodeFloats(_ raw: UnsafeRawBufferPointer, dtype: TensorDType) -> [Float] {
    switch dtype {
    case .f32: return decodeElements(raw, as: UInt32.self) { Float(bitPattern: $0) }
    case .f64: return decodeElements(raw, as: UInt64.self) { Float(Double(bitPattern: $0)) }
    case .f16: return decodeElements(raw, as: UInt16.self, float(fromHalfBits:))
    case .bf16: return decodeElements(raw, as: UInt16.self, float(fromBFloat16Bits:))
    default: preconditionFailure("decodeFloats called with non-floating dtype \(dtype.rawValue)")
    }
}

/// Decodes little-endian I64 elements from `raw`.
func decodeInt64s(_ raw: UnsafeRawBufferPointer) -> [Int64] {
    decodeElements(raw, as: UInt64.self) { Int64(bitPattern: $0) }
}

/// Encodes `values` as little-endian elements of the floating-point `dtype` into `destination`, which
/// must hold `values.count * dtype.byteSize` bytes. F16 and BF16 round to nearest even.
func encodeFloats(_ values: UnsafeBufferPointer<Float>, as dtype: TensorDType, into destination: UnsafeMutableRawBufferPointer) {
    switch dtype {
    case .f32: encodeElements(values, into: destination) { $0.bitPattern }
    case .f64: encodeElements(values, into: destination) { Double($0).bitPattern }
    case .f16: encodeElements(values, into: destination, halfBits(from:))
    case .bf16: encodeElements(values, into: destination, bfloat16Bits(from:))
    default: preconditionFailure("encodeFloats called with non-floating dtype \(dtype.rawValue)")
    }
}

/// Encodes `values` as little-endian I64 elements into `destination` (8 bytes per value).
func encodeInt64s(_ values: UnsafeBufferPointer<Int64>, into destination: UnsafeMutableRawBufferPointer) {
    encodeElements(values, into: destination) { UInt64(bitPattern: $0) }
}

private func decodeElements<Bits: FixedWidthInteger, Element>(
    _ raw: UnsafeRawBufferPointer, as _: Bits.Type, _ convert: (Bits) -> Element
) -> [Element] {
    let stride = MemoryLayout<Bits>.size
    let count = raw.count / stride
    return [Element](unsafeUninitializedCapacity: count) { buffer, initializedCount in
        for index in 0..<count {
            let bits = raw.loadUnaligned(fromByteOffset: index * stride, as: Bits.self)
            buffer.initializeElement(at: index, to: convert(Bits(littleEndian: bits)))
        }
        initializedCount = count
    }
}

private func encodeElements<Element, Bits: FixedWidthInteger>(
    _ values: UnsafeBufferPointer<Element>, into destination: UnsafeMutableRawBufferPointer, _ convert: (Element) -> Bits
) {
    let stride = MemoryLayout<Bits>.size
    precondition(destination.count >= values.count * stride, "encode destination too small")
    for (index, value) in values.enumerated() {
        destination.storeBytes(of: convert(value).littleEndian, toByteOffset: index * stride, as: Bits.self)
    }
}

/// Protobuf's wire format for the messages SPDTrain writes by hand (TensorBoard events, ONNX models): varints,
/// 32- and 64-bit fixed values and length-delimited fields, appended in the order they are called. Fields are
/// written as given (repeated scalars unpacked, as proto2 does by default; every parser accepts that form).
public struct ProtobufWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// An integer field (int32, int64, uint64, bool, enum): negative values as their 64-bit two's complement.
    public mutating func varint(field: Int, _ value: UInt64) {
        key(field, wireType: 0)
        appendVarint(value)
    }

    public mutating func int(field: Int, _ value: Int) { varint(field: field, UInt64(bitPattern: Int64(value))) }

    public mutating func double(field: Int, _ value: Double) {
        key(field, wireType: 1)
        bytes += littleEndian(value.bitPattern)
    }

    public mutating func float(field: Int, _ value: Float) {
        key(field, wireType: 5)
        bytes += littleEndian(value.bitPattern)
    }

    public mutating func string(field: Int, _ value: String) { lengthDelimited(field, Array(value.utf8)) }

    /// A bytes field.
    public mutating func bytes(field: Int, _ value: [UInt8]) { lengthDelimited(field, value) }

    /// An embedded message.
    public mutating func message(field: Int, _ value: ProtobufWriter) { lengthDelimited(field, value.bytes) }

    private mutating func lengthDelimited(_ field: Int, _ payload: [UInt8]) {
        key(field, wireType: 2)
        appendVarint(UInt64(payload.count))
        bytes += payload
    }

    private mutating func key(_ field: Int, wireType: UInt64) { appendVarint(UInt64(field) << 3 | wireType) }

    private mutating func appendVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }
}

/// The little-endian bytes of an integer.
public func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.littleEndian) { Array($0) }
}

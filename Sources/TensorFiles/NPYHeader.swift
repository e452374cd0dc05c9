// The .npy header: magic "\x93NUMPY", version, header length (u16 in 1.0, u32 in 2.0 and 3.0), then a
// Python dict literal such as {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }, padded with
// spaces and ending in a newline so that the data starts at a multiple of 64 bytes.

let npyMagic: [UInt8] = [0x93] + Array("NUMPY".utf8)

extension TensorDType {
    /// The NumPy dtype string for this dtype, little-endian, or nil for BF16, which NumPy lacks.
    var numpyDescr: String? {
        switch self {
        case .f64: return "<f8"
        case .f32: return "<f4"
        case .f16: return "<f2"
        case .bf16: return nil
        case .i64: return "<i8"
        case .i32: return "<i4"
        case .i16: return "<i2"
        case .i8: return "|i1"
        case .u64: return "<u8"
        case .u32: return "<u4"
        case .u16: return "<u2"
        case .u8: return "|u1"
        case .bool: return "|b1"
        }
    }
}

/// The dtype and shape a .npy header describes, and where the data begins.
struct NPYHeader {
    let dtype: TensorDType
    let shape: [Int]
    let dataStart: Int

    /// Parses the header at the start of `file`; `path` is used in error messages.
    init(parsing file: UnsafeRawBufferPointer, path: String) throws {
        guard file.count >= 10 else { throw NPYError.fileTooShort(path: path, fileSize: file.count) }
        guard file.prefix(6).elementsEqual(npyMagic) else { throw NPYError.notNPY(path: path) }
        let (major, minor) = (file[6], file[7])
        let lengthStart: Int
        let headerLength: Int
        switch (major, minor) {
        case (1, 0):
            headerLength = Int(UInt16(littleEndian: file.loadUnaligned(fromByteOffset: 8, as: UInt16.self)))
            lengthStart = 10
        case (2, 0), (3, 0):
            guard file.count >= 12 else { throw NPYError.fileTooShort(path: path, fileSize: file.count) }
            headerLength = Int(UInt32(littleEndian: file.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
            lengthStart = 12
        default:
            throw NPYError.unsupportedVersion(path: path, major: major, minor: minor)
        }
        dataStart = lengthStart + headerLength
        guard dataStart <= file.count else {
            throw NPYError.headerBeyondFile(path: path, headerLength: headerLength, fileSize: file.count)
        }
        let text = Array(UnsafeRawBufferPointer(rebasing: file[lengthStart..<dataStart]))
        var parser = PythonDictParser(text: text)
        let fields: [String: PythonLiteral]
        do {
            fields = try parser.parseDictionary()
        } catch {
            throw NPYError.invalidHeader(path: path, problem: "\(error.problem) at header byte \(error.offset)")
        }
        guard fields.keys.sorted() == ["descr", "fortran_order", "shape"] else {
            throw NPYError.invalidHeader(
                path: path, problem: "keys are \(fields.keys.sorted()), expected 'descr', 'fortran_order' and 'shape'")
        }
        guard case .string(let descr) = fields["descr"] else {
            throw NPYError.invalidHeader(path: path, problem: "'descr' is not a string (structured dtypes are not supported)")
        }
        guard let dtype = TensorDType.allCases.first(where: { $0.numpyDescr == descr }) else {
            throw NPYError.unsupportedDType(path: path, descr: descr)
        }
        guard case .bool(let fortranOrder) = fields["fortran_order"] else {
            throw NPYError.invalidHeader(path: path, problem: "'fortran_order' is not True or False")
        }
        guard !fortranOrder else { throw NPYError.fortranOrder(path: path) }
        guard case .tuple(let shape) = fields["shape"] else {
            throw NPYError.invalidHeader(path: path, problem: "'shape' is not a tuple of integers")
        }
        self.dtype = dtype
        self.shape = shape
    }

    /// A version 1.0 header (magic through the newline) for `dtype` and `shape`, exactly as NumPy writes it,
    /// or nil when it does not fit the 1.0 format's 16-bit header length.
    static func encodedVersion1(dtype descr: String, shape: [Int]) -> [UInt8]? {
        let dimensions = shape.map(String.init).joined(separator: ", ")
        let tuple = shape.count == 1 ? "(\(dimensions),)" : "(\(dimensions))"
        let dictionary = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(tuple), }"
        let unpadded = 10 + dictionary.utf8.count + 1
        let headerLength = dictionary.utf8.count + (64 - unpadded % 64) % 64 + 1
        guard headerLength <= Int(UInt16.max) else { return nil }
        let padding = String(repeating: " ", count: headerLength - dictionary.utf8.count - 1)
        return npyMagic + [1, 0] + withUnsafeBytes(of: UInt16(headerLength).littleEndian, Array.init)
            + Array((dictionary + padding + "\n").utf8)
    }
}

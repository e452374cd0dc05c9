import Foundation
import TestSupport
import XCTest
@testable import TensorFiles

/// Checks our .npy files against NumPy itself, from the test environment .build/pyenv (a skip without it, a failure
/// under CI=true).
final class NumPyInteropTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws {
        try TestTools.requirePython(["numpy"])
        directory = try TemporaryDirectory()
    }

    override func tearDown() {
        directory = nil
    }

    func testNumPyReadsOurFiles() throws {
        let floats = directory.file("floats.npy")
        let int64s = directory.file("int64s.npy")
        let bytes = directory.file("bytes.npy")
        try NPYWriter.write(.floats([0.5, -1, 3, 1e-3, 7, 8]), dtype: .f32, shape: [1, 2, 3], to: floats)
        try NPYWriter.write(.int64s([-5, 1 << 40]), dtype: .i64, shape: [2], to: int64s)
        try NPYWriter.write(.bytes([1, 2, 250]), dtype: .u8, shape: [3], to: bytes)

        let output = try runPython("""
            import numpy as np, sys
            for path in sys.argv[1:]:
                a = np.load(path)
                print(a.dtype.str, a.shape, a.flags['C_CONTIGUOUS'], a.ravel().tolist())
            """, arguments: [floats, int64s, bytes])
        XCTAssertEqual(output, """
            <f4 (1, 2, 3) True [0.5, -1.0, 3.0, 0.0010000000474974513, 7.0, 8.0]
            <i8 (2,) True [-5, 1099511627776]
            |u1 (3,) True [1, 2, 250]

            """)
    }

    func testOurFilesAreByteIdenticalToNumPySave() throws {
        let ours = directory.file("ours.npy")
        let theirs = directory.file("theirs.npy")
        try NPYWriter.write(.floats((0..<24).map(Float.init)), dtype: .f64, shape: [2, 3, 4], to: ours)
        _ = try runPython("import numpy as np, sys; np.save(sys.argv[1], np.arange(24, dtype='<f8').reshape(2, 3, 4))",
                          arguments: [theirs])
        XCTAssertEqual(try readFile(ours), try readFile(theirs))
    }

    func testWeReadFilesNumPyWrote() throws {
        let path = directory.file("numpy.npy")
        let version2 = directory.file("numpy-v2.npy")
        let fortran = directory.file("fortran.npy")
        _ = try runPython("""
            import numpy as np, sys
            np.save(sys.argv[1], np.array([[1.5, -2.25], [0.1, 4.0]], dtype='<f4'))
            with open(sys.argv[2], 'wb') as f:
                np.lib.format.write_array(f, np.arange(6, dtype='<i8').reshape(3, 2), version=(2, 0))
            np.save(sys.argv[3], np.asfortranarray(np.ones((2, 3), dtype='<f8')))
            """, arguments: [path, version2, fortran])

        let floats = try NPYArray(contentsOf: path)
        XCTAssertEqual(floats.dtype, .f32)
        XCTAssertEqual(floats.shape, [2, 2])
        XCTAssertEqual(try floats.floats(), [1.5, -2.25, 0.1, 4])

        let int64s = try NPYArray(contentsOf: version2)
        XCTAssertEqual(int64s.shape, [3, 2])
        XCTAssertEqual(try int64s.int64s(), [0, 1, 2, 3, 4, 5])

        assertThrows(try NPYArray(contentsOf: fortran), containing: [fortran, "Fortran order"])
    }
}

/// Runs `python -c script arguments...` (the test environment's) and returns its standard output; throws when it fails.
private func runPython(_ script: String, arguments: [String] = []) throws -> String {
    try TestTools.runChecked(TestTools.python, ["-c", script] + arguments).text
}

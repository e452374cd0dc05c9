/// Vectorised transcendental functions on 8 floats at a time (Cephes-style polynomials, about 1 ulp over
/// the range that matters for activations); the scalar libm `exp` would cost more than the GEMMs around it.
enum VectorMath {
    typealias Vector = SIMD8<Float>

    /// e^x, with x clamped to [-87.3, 88.3] so the result stays a normal float.
    @inline(__always)
    static func exp(_ input: Vector) -> Vector {
        let x0 = input.clamped(lowerBound: Vector(repeating: -87.3), upperBound: Vector(repeating: 88.3))
        let n = (x0 * 1.44269504088896341 + 0.5).rounded(.down)
        let x = x0 - n * 0.693359375 - n * -2.12194440e-4
        var p = Vector(repeating: 1.9875691500e-4)
        p = p * x + 1.3981999507e-3
        p = p * x + 8.3334519073e-3
        p = p * x + 4.1665795894e-2
        p = p * x + 1.6666665459e-1
        p = p * x + 5.0000001201e-1
        p = p * (x * x) + x + 1
        let exponentBits = (SIMD8<Int32>(n, rounding: .towardZero) &+ 127) &<< 23
        return p * unsafeBitCast(exponentBits, to: Vector.self)
    }

    /// 1 / (1 + e^-x).
    @inline(__always)
    static func sigmoid(_ x: Vector) -> Vector {
        1 / (1 + exp(-x))
    }

    /// Applies `body` to `count` floats from `input` into `output`, 8 at a time, padding the tail.
    @inline(__always)
    static func map(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int, _ body: (Vector) -> Vector) {
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(input + i).loadUnaligned(as: Vector.self)
            UnsafeMutableRawPointer(output + i).storeBytes(of: body(v), as: Vector.self)
            i += 8
        }
        if i < count {
            var v = Vector(repeating: 0)
            for j in 0..<(count - i) { v[j] = input[i + j] }
            let r = body(v)
            for j in 0..<(count - i) { output[i + j] = r[j] }
        }
    }

    /// Like `map` over two inputs (e.g. activation input and output gradient).
    @inline(__always)
    static func map2(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int,
                     _ body: (Vector, Vector) -> Vector) {
        var i = 0
        while i + 8 <= count {
            let va = UnsafeRawPointer(a + i).loadUnaligned(as: Vector.self)
            let vb = UnsafeRawPointer(b + i).loadUnaligned(as: Vector.self)
            UnsafeMutableRawPointer(output + i).storeBytes(of: body(va, vb), as: Vector.self)
            i += 8
        }
        if i < count {
            var va = Vector(repeating: 0), vb = Vector(repeating: 0)
            for j in 0..<(count - i) { va[j] = a[i + j]; vb[j] = b[i + j] }
            let r = body(va, vb)
            for j in 0..<(count - i) { output[i + j] = r[j] }
        }
    }

    /// Like `map2`, with a third input (e.g. the gradient being accumulated into).
    @inline(__always)
    static func map3(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>,
                     _ output: UnsafeMutablePointer<Float>, count: Int, _ body: (Vector, Vector, Vector) -> Vector) {
        var i = 0
        while i + 8 <= count {
            let va = UnsafeRawPointer(a + i).loadUnaligned(as: Vector.self)
            let vb = UnsafeRawPointer(b + i).loadUnaligned(as: Vector.self)
            let vc = UnsafeRawPointer(c + i).loadUnaligned(as: Vector.self)
            UnsafeMutableRawPointer(output + i).storeBytes(of: body(va, vb, vc), as: Vector.self)
            i += 8
        }
        if i < count {
            var va = Vector(repeating: 0), vb = Vector(repeating: 0), vc = Vector(repeating: 0)
            for j in 0..<(count - i) { va[j] = a[i + j]; vb[j] = b[i + j]; vc[j] = c[i + j] }
            let r = body(va, vb, vc)
            for j in 0..<(count - i) { output[i + j] = r[j] }
        }
    }
}

/// Transcendental functions written as straight-line float code (Cephes-style polynomial, about 1 ulp over the
/// range activations use) so that loops over them auto-vectorise: the scalar libm `exp` would cost more than
/// the GEMMs around it. The loops below take their element function inline.
enum VectorMath {
    /// e^x, with x clamped to [-87.3, 88.3] so the result stays a normal float.
    @inline(__always)
    static func exp(_ input: Float) -> Float {
        let x = Swift.min(Swift.max(input, -87.3), 88.3)
        let n = (x * 1.44269504088896341 + 0.5).rounded(.down)
        let r = x - n * 0.693359375 - n * -2.12194440e-4
        var p: Float = 1.9875691500e-4
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * (r * r) + r + 1
        return p * Float(bitPattern: UInt32(bitPattern: Int32(n) &+ 127) << 23)
    }

    /// 1 / (1 + e^-x).
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

    /// output[i] = body(input[i])   [count]
    @inline(__always)
    static func map(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int, _ body: (Float) -> Float) {
        for i in 0..<count { output[i] = body(input[i]) }
    }

    /// output[i] = body(a[i], b[i])   [count]
    @inline(__always)
    static func map2(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int,
                     _ body: (Float, Float) -> Float) {
        for i in 0..<count { output[i] = body(a[i], b[i]) }
    }

    /// output[i] = body(a[i], b[i], c[i])   [count]
    @inline(__always)
    static func map3(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>,
                     _ output: UnsafeMutablePointer<Float>, count: Int, _ body: (Float, Float, Float) -> Float) {
        for i in 0..<count { output[i] = body(a[i], b[i], c[i]) }
    }
}

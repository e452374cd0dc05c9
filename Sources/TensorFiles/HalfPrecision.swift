// Bit-level conversions between Float and the 16-bit float formats (IEEE binary16 and bfloat16), rounding
// to nearest even like PyTorch and NumPy. Written out rather than using Swift's Float16, which is not
// available on every platform the package declares.

/// `value >> shift`, rounded to nearest with ties to even. `shift` must be in 1...31.
private func shiftRightRoundingToNearestEven(_ value: UInt32, by shift: UInt32) -> UInt32 {
    let truncated = value >> shift
    let remainder = value & ((1 << shift) - 1)
    let half: UInt32 = 1 << (shift - 1)
    let roundsUp = remainder > half || (remainder == half && truncated & 1 == 1)
    return roundsUp ? truncated + 1 : truncated
}

/// The IEEE binary16 bit pattern nearest to `value`; overflow gives infinity, NaN stays NaN.
func halfBits(from value: Float) -> UInt16 {
    let bits = value.bitPattern
    let sign = UInt16(truncatingIfNeeded: (bits >> 16) & 0x8000)
    let exponent = Int((bits >> 23) & 0xFF)
    let mantissa = bits & 0x7F_FFFF
    if exponent == 0xFF {
        return mantissa == 0 ? sign | 0x7C00 : sign | 0x7E00 | UInt16(truncatingIfNeeded: mantissa >> 13)
    }
    let halfExponent = exponent - 127 + 15
    if halfExponent >= 0x1F {
        return sign | 0x7C00
    }
    if halfExponent >= 1 {
        // A carry out of the mantissa correctly bumps the exponent (up to infinity).
        let rounded = shiftRightRoundingToNearestEven(UInt32(halfExponent) << 23 | mantissa, by: 13)
        return sign | UInt16(truncatingIfNeeded: rounded)
    }
    // Subnormal half (or zero): the value in units of 2^-24 is (1.mantissa) * 2^(exponent - 126).
    let shift = 14 - halfExponent
    guard shift <= 24 else { return sign }
    let rounded = shiftRightRoundingToNearestEven(mantissa | 0x80_0000, by: UInt32(shift))
    return sign | UInt16(truncatingIfNeeded: rounded)
}

/// The Float with the value of the IEEE binary16 bit pattern `bits` (exact).
func float(fromHalfBits bits: UInt16) -> Float {
    let sign = UInt32(bits & 0x8000) << 16
    let exponent = UInt32(bits >> 10) & 0x1F
    let mantissa = UInt32(bits & 0x3FF)
    switch exponent {
    case 0x1F:
        return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
    case 0:
        let magnitude = Float(mantissa) * 0x1p-24
        return sign == 0 ? magnitude : -magnitude
    default:
        return Float(bitPattern: sign | (exponent + 127 - 15) << 23 | mantissa << 13)
    }
}

/// The bfloat16 bit pattern nearest to `value`; NaN stays NaN.
func bfloat16Bits(from value: Float) -> UInt16 {
    if value.isNaN {
        return UInt16(truncatingIfNeeded: value.bitPattern >> 16) | 0x40
    }
    return UInt16(truncatingIfNeeded: shiftRightRoundingToNearestEven(value.bitPattern, by: 16))
}

/// The Float with the value of the bfloat16 bit pattern `bits` (exact).
func float(fromBFloat16Bits bits: UInt16) -> Float {
    Float(bitPattern: UInt32(bits) << 16)
}

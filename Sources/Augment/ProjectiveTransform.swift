import Foundation

/// A 3x3 projective transform of pixel coordinates acting on column vectors (x, y, 1): a point maps to
/// ((m0 x + m1 y + m2) / w, (m3 x + m4 y + m5) / w) with w = m6 x + m7 y + m8 (w = 1 for an affine transform).
/// Built from the same factors as YOLOv5's `random_perspective` (`M = T @ S @ R @ P @ C`).
public struct ProjectiveTransform: Sendable, Equatable {
    /// The matrix, row-major (9 values).
    public let matrix: [Double]

    public init(matrix: [Double]) {
        precondition(matrix.count == 9, "a projective transform has 9 matrix entries, got \(matrix.count)")
        self.matrix = matrix
    }

    public static let identity = ProjectiveTransform(matrix: [1, 0, 0, 0, 1, 0, 0, 0, 1])

    /// Moves points by (x, y).
    public static func translation(x: Double, y: Double) -> ProjectiveTransform {
        ProjectiveTransform(matrix: [1, 0, x, 0, 1, y, 0, 0, 1])
    }

    /// `cv2.getRotationMatrix2D(angle=degrees, center=(0, 0), scale=scale)`: scales about the origin and rotates
    /// by `degrees` counter-clockwise as seen on screen (y pointing down).
    public static func rotation(degrees: Double, scale: Double) -> ProjectiveTransform {
        let alpha = scale * cos(degrees * .pi / 180), beta = scale * sin(degrees * .pi / 180)
        return ProjectiveTransform(matrix: [alpha, beta, 0, -beta, alpha, 0, 0, 0, 1])
    }

    /// x += tan(xDegrees) y and y += tan(yDegrees) x.
    public static func shear(xDegrees: Double, yDegrees: Double) -> ProjectiveTransform {
        ProjectiveTransform(matrix: [1, tan(xDegrees * .pi / 180), 0, tan(yDegrees * .pi / 180), 1, 0, 0, 0, 1])
    }

    /// w = x px + y py + 1.
    public static func perspective(x: Double, y: Double) -> ProjectiveTransform {
        ProjectiveTransform(matrix: [1, 0, 0, 0, 1, 0, x, y, 1])
    }

    /// The transform applying `right` first, then `left`.
    public static func * (left: ProjectiveTransform, right: ProjectiveTransform) -> ProjectiveTransform {
        let a = left.matrix, b = right.matrix
        var product = [Double](repeating: 0, count: 9)
        for row in 0..<3 {
            for column in 0..<3 {
                product[row * 3 + column] = a[row * 3] * b[column] + a[row * 3 + 1] * b[3 + column] + a[row * 3 + 2] * b[6 + column]
            }
        }
        return ProjectiveTransform(matrix: product)
    }

    /// Whether the last row is (0, 0, 1).
    public var isAffine: Bool { matrix[6] == 0 && matrix[7] == 0 && matrix[8] == 1 }

    /// Where the point (x, y) goes.
    public func apply(x: Double, y: Double) -> (x: Double, y: Double) {
        let m = matrix
        let w = isAffine ? 1 : m[6] * x + m[7] * y + m[8]
        return ((m[0] * x + m[1] * y + m[2]) / w, (m[3] * x + m[4] * y + m[5]) / w)
    }

    /// The inverse transform (by the adjugate), scaled so its last entry is 1 when it can be.
    public var inverse: ProjectiveTransform {
        let m = matrix
        var adjugate = [
            m[4] * m[8] - m[5] * m[7], m[2] * m[7] - m[1] * m[8], m[1] * m[5] - m[2] * m[4],
            m[5] * m[6] - m[3] * m[8], m[0] * m[8] - m[2] * m[6], m[2] * m[3] - m[0] * m[5],
            m[3] * m[7] - m[4] * m[6], m[1] * m[6] - m[0] * m[7], m[0] * m[4] - m[1] * m[3],
        ]
        let determinant = m[0] * adjugate[0] + m[1] * adjugate[3] + m[2] * adjugate[6]
        precondition(determinant != 0, "the transform \(m) is singular")
        let scale = adjugate[8] != 0 ? adjugate[8] : determinant
        for i in 0..<9 { adjugate[i] /= scale }
        if isAffine { adjugate[6] = 0; adjugate[7] = 0; adjugate[8] = 1 }
        return ProjectiveTransform(matrix: adjugate)
    }
}

/// The number format of the operands of the convolution and linear GEMMs (`precision:` of an experiment, `--precision`
/// of `spd bench`). bf16 rounds the operands to bfloat16 and accumulates in fp32; weights, optimizer state, gradients,
/// batch-norm statistics, the loss and every reduction stay fp32 either way.
public enum Precision: String, CaseIterable, Sendable {
    case fp32, bf16
}

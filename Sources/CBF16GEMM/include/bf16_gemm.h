// bf16 GEMMs through oneDNN's matmul: fp32 operands are rounded to bf16 (round to nearest even) into buffers this
// library keeps, multiplied with fp32 accumulation into an fp32 result. One primitive per problem shape is created
// on first use and kept. A rank calls it from one thread; the calls take a lock all the same, since the in-process
// test double runs ranks as threads of one process.
#ifndef SPD_BF16_GEMM_H
#define SPD_BF16_GEMM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Asks Linux for permission to use the AMX tile data (arch_prctl ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA), which a
/// process needs before its first AMX instruction. Returns 0, or the errno of the refusal.
int spd_amx_request_permission(void);

/// Limits oneDNN to the AVX-512 + AVX512-BF16 kernels (amx == 0) or allows its AMX kernels too (amx != 0). Must come
/// before the first GEMM. Returns the oneDNN status (0: success).
int spd_bf16_set_max_isa(int amx);

/// oneDNN's threads (its OpenMP runtime) for this process.
void spd_bf16_set_threads(int threads);

/// oneDNN's version, "2.6.3".
const char *spd_bf16_library_version(void);

/// C[m x n] = alpha * op(A) * op(B) + beta * C, row-major, op(A) m x k, op(B) k x n, with A and B rounded to bf16.
/// An operand given already rounded (a_bf16 or b_bf16 not NULL, packed: its leading dimension is its stored row
/// length) is used as it is, and its fp32 pointer is not read. Returns the oneDNN status (0: success); *failed_call
/// names the oneDNN function that failed.
int spd_bf16_gemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                  const uint16_t *a_bf16, const float *b, int64_t ldb, const uint16_t *b_bf16, float beta, float *c,
                  int64_t ldc, const char **failed_call);

/// The oneDNN implementations the GEMMs so far ran on, e.g. "brg:avx512_core_bf16", comma-separated (empty before the
/// first GEMM). Valid until the next call of spd_bf16_gemm.
const char *spd_bf16_implementations(void);

/// Rounds count floats to bf16 (round to nearest even; NaN stays NaN; subnormal inputs become zeros of their sign),
/// with AVX512-BF16 instructions (VCVTNEPS2BF16).
void spd_bf16_round(const float *source, uint16_t *destination, size_t count);

#ifdef __cplusplus
}
#endif

#endif

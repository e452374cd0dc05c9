// bf16 GEMMs through oneDNN's matmul (see include/bf16_gemm.h).
#include "bf16_gemm.h"

#include <errno.h>
#if defined(__x86_64__)
#include <asm/prctl.h>
#include <immintrin.h>
#endif
#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

// libgomp's, which runs oneDNN's threads (Debian builds oneDNN with OpenMP).
extern void omp_set_num_threads(int threads);

enum { XFEATURE_XTILEDATA = 18 };

int spd_amx_request_permission(void) {
#if defined(__x86_64__)
    return syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0 ? 0 : errno;
#else
    return ENOTSUP;
#endif
}

int spd_bf16_set_max_isa(int amx) {
    return dnnl_set_max_cpu_isa(amx ? dnnl_cpu_isa_avx512_core_amx : dnnl_cpu_isa_avx512_core_bf16);
}

void spd_bf16_set_threads(int threads) { omp_set_num_threads(threads < 1 ? 1 : threads); }

const char *spd_bf16_library_version(void) {
    static char text[32];
    const dnnl_version_t *version = dnnl_version();
    snprintf(text, sizeof text, "%d.%d.%d", version->major, version->minor, version->patch);
    return text;
}

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
void spd_bf16_round(const float *source, uint16_t *destination, size_t count) {
    size_t i = 0;
    for (; i + 16 <= count; i += 16) {
        __m256bh rounded = _mm512_cvtneps_pbh(_mm512_loadu_ps(source + i));
        _mm256_storeu_si256((__m256i *)(destination + i), (__m256i)rounded);
    }
    if (i < count) {
        __mmask16 mask = (__mmask16)((1u << (count - i)) - 1);
        __m256bh rounded = _mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(mask, source + i));
        _mm256_mask_storeu_epi16(destination + i, mask, (__m256i)rounded);
    }
}
#else
// Other architectures never choose bf16 GEMMs (GEMMPrecision.choose); this keeps the library linkable there.
void spd_bf16_round(const float *source, uint16_t *destination, size_t count) {
    for (size_t i = 0; i < count; i++) {
        uint32_t bits;
        memcpy(&bits, &source[i], sizeof bits);
        destination[i] = (uint16_t)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }
}
#endif

// One problem shape's primitive and the memory objects it executes on (their data pointers are set per call).
typedef struct {
    int64_t m, n, k, ldc;
    int trans_a, trans_b;
    float alpha, beta;
    dnnl_primitive_t primitive;
    dnnl_memory_t a, b, c;
} Entry;

static dnnl_engine_t engine;
static dnnl_stream_t stream;
static Entry *entries;
static size_t entry_count, entry_capacity;
static uint16_t *a_buffer, *b_buffer;
static size_t a_capacity, b_capacity;
static char implementations[512];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

#define CHECK(call)                                  \
    do {                                             \
        dnnl_status_t status_ = (call);              \
        if (status_ != dnnl_success) {               \
            *failed_call = #call;                    \
            return status_;                          \
        }                                            \
    } while (0)

// A rows x columns row-major matrix, stored transposed (column-major) when `transposed`, with leading dimension ld.
static dnnl_status_t matrix_desc(dnnl_memory_desc_t *desc, int64_t rows, int64_t columns, int transposed, int64_t ld,
                                 dnnl_data_type_t type) {
    dnnl_dims_t dims = {rows, columns};
    dnnl_dims_t strides = {transposed ? 1 : ld, transposed ? ld : 1};
    return dnnl_memory_desc_init_by_strides(desc, 2, dims, type, strides);
}

static void note_implementation(const char *name) {
    if (strstr(implementations, name)) return;
    size_t used = strlen(implementations);
    snprintf(implementations + used, sizeof implementations - used, "%s%s", used ? ", " : "", name);
}

static dnnl_status_t create_entry(Entry *entry, const char **failed_call) {
    if (!engine) {
        CHECK(dnnl_engine_create(&engine, dnnl_cpu, 0));
        CHECK(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags));
    }
    // The bf16 operands are packed (leading dimension = stored row length); the result has the caller's ldc.
    dnnl_memory_desc_t a, b, c;
    CHECK(matrix_desc(&a, entry->m, entry->k, entry->trans_a, entry->trans_a ? entry->m : entry->k, dnnl_bf16));
    CHECK(matrix_desc(&b, entry->k, entry->n, entry->trans_b, entry->trans_b ? entry->k : entry->n, dnnl_bf16));
    CHECK(matrix_desc(&c, entry->m, entry->n, 0, entry->ldc, dnnl_f32));
    dnnl_matmul_desc_t matmul;
    CHECK(dnnl_matmul_desc_init(&matmul, &a, &b, NULL, &c));
    dnnl_primitive_attr_t attr;
    CHECK(dnnl_primitive_attr_create(&attr));
    // The calls below clean up after themselves, so a failure is carried to the end, naming the call that failed.
    dnnl_status_t status = dnnl_success;
    const char *call = "dnnl_primitive_attr_set_output_scales";
    dnnl_post_ops_t post_ops = NULL;
    if (entry->alpha != 1.0f) status = dnnl_primitive_attr_set_output_scales(attr, 1, 0, &entry->alpha);
    if (status == dnnl_success && entry->beta != 0.0f) {
        call = "dnnl_post_ops_create";
        status = dnnl_post_ops_create(&post_ops);
        if (status == dnnl_success) { call = "dnnl_post_ops_append_sum"; status = dnnl_post_ops_append_sum(post_ops, entry->beta); }
        if (status == dnnl_success) { call = "dnnl_primitive_attr_set_post_ops"; status = dnnl_primitive_attr_set_post_ops(attr, post_ops); }
    }
    dnnl_primitive_desc_t descriptor = NULL;
    if (status == dnnl_success) {
        call = "dnnl_primitive_desc_create (matmul, bf16 x bf16 -> f32)";
        status = dnnl_primitive_desc_create(&descriptor, &matmul, attr, engine, NULL);
    }
    if (post_ops) dnnl_post_ops_destroy(post_ops);
    dnnl_primitive_attr_destroy(attr);
    if (status != dnnl_success) {
        *failed_call = call;
        return status;
    }
    const char *name = NULL;
    call = "dnnl_primitive_desc_query (implementation name)";
    status = dnnl_primitive_desc_query(descriptor, dnnl_query_impl_info_str, 0, &name);
    if (status == dnnl_success && name) note_implementation(name);
    if (status == dnnl_success) { call = "dnnl_primitive_create (matmul)"; status = dnnl_primitive_create(&entry->primitive, descriptor); }
    dnnl_primitive_desc_destroy(descriptor);
    if (status != dnnl_success) {
        *failed_call = call;
        return status;
    }
    CHECK(dnnl_memory_create(&entry->a, &a, engine, DNNL_MEMORY_NONE));
    CHECK(dnnl_memory_create(&entry->b, &b, engine, DNNL_MEMORY_NONE));
    CHECK(dnnl_memory_create(&entry->c, &c, engine, DNNL_MEMORY_NONE));
    return dnnl_success;
}

static Entry *find_entry(int64_t m, int64_t n, int64_t k, int64_t ldc, int trans_a, int trans_b, float alpha, float beta) {
    for (size_t i = 0; i < entry_count; i++) {
        Entry *e = &entries[i];
        if (e->m == m && e->n == n && e->k == k && e->ldc == ldc && e->trans_a == trans_a && e->trans_b == trans_b && e->alpha == alpha &&
            e->beta == beta)
            return e;
    }
    return NULL;
}

// Rounds a stored rows x columns matrix with leading dimension ld into a packed bf16 buffer (grown as needed).
static int round_matrix(const float *source, int64_t rows, int64_t columns, int64_t ld, uint16_t **buffer,
                        size_t *capacity) {
    size_t count = (size_t)rows * (size_t)columns;
    if (count > *capacity) {
        uint16_t *grown = realloc(*buffer, count * sizeof(uint16_t));
        if (!grown) return 0;
        *buffer = grown;
        *capacity = count;
    }
    if (ld == columns) {
        spd_bf16_round(source, *buffer, count);
    } else {
        for (int64_t row = 0; row < rows; row++)
            spd_bf16_round(source + row * ld, *buffer + row * columns, (size_t)columns);
    }
    return 1;
}

static int locked_gemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                       const uint16_t *a_bf16, const float *b, int64_t ldb, const uint16_t *b_bf16, float beta, float *c,
                       int64_t ldc, const char **failed_call) {
    trans_a = trans_a != 0;
    trans_b = trans_b != 0;
    Entry *entry = find_entry(m, n, k, ldc, trans_a, trans_b, alpha, beta);
    if (!entry) {
        if (entry_count == entry_capacity) {
            size_t capacity = entry_capacity ? 2 * entry_capacity : 64;
            Entry *grown = realloc(entries, capacity * sizeof(Entry));
            if (!grown) {
                *failed_call = "realloc (primitive cache)";
                return dnnl_out_of_memory;
            }
            entries = grown;
            entry_capacity = capacity;
        }
        Entry fresh = {m, n, k, ldc, trans_a, trans_b, alpha, beta, NULL, NULL, NULL, NULL};
        dnnl_status_t status = create_entry(&fresh, failed_call);
        if (status != dnnl_success) return status;
        entries[entry_count] = fresh;
        entry = &entries[entry_count++];
    }
    if ((!a_bf16 && !round_matrix(a, trans_a ? k : m, trans_a ? m : k, lda, &a_buffer, &a_capacity)) ||
        (!b_bf16 && !round_matrix(b, trans_b ? n : k, trans_b ? k : n, ldb, &b_buffer, &b_capacity))) {
        *failed_call = "realloc (bf16 operand buffer)";
        return dnnl_out_of_memory;
    }
    CHECK(dnnl_memory_set_data_handle(entry->a, a_bf16 ? (void *)a_bf16 : a_buffer));
    CHECK(dnnl_memory_set_data_handle(entry->b, b_bf16 ? (void *)b_bf16 : b_buffer));
    CHECK(dnnl_memory_set_data_handle(entry->c, c));
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, entry->a}, {DNNL_ARG_WEIGHTS, entry->b}, {DNNL_ARG_DST, entry->c}};
    CHECK(dnnl_primitive_execute(entry->primitive, stream, 3, args));
    CHECK(dnnl_stream_wait(stream));
    return dnnl_success;
}

int spd_bf16_gemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                  const uint16_t *a_bf16, const float *b, int64_t ldb, const uint16_t *b_bf16, float beta, float *c,
                  int64_t ldc, const char **failed_call) {
    pthread_mutex_lock(&lock);
    int status = locked_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, a_bf16, b, ldb, b_bf16, beta, c, ldc, failed_call);
    pthread_mutex_unlock(&lock);
    return status;
}

const char *spd_bf16_implementations(void) { return implementations; }

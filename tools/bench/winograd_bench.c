// Winograd F(2x2,3x3) against im2col + GEMM for the stride-1 3x3 convolutions SPD-Conv leaves (issue 19): one image,
// NHWC, padding 1, one thread. Both use OpenBLAS sgemm. Prints the best of 5 times and each method's largest error
// against a double-precision direct convolution, relative to the largest output.
//   gcc -O3 -march=native tools/bench/winograd_bench.c -o /tmp/winograd_bench -lopenblas -lm
//   OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=Haswell taskset -c 1 /tmp/winograd_bench
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

// x[H][W][C], w[Co][3][3][C] -> y[H][W][Co] by im2col (cols[H*W][9*C]) and one GEMM.
static void im2col_conv(int H, int W, int C, int Co, const float *x, const float *w, float *cols, float *y) {
    for (int i = 0; i < H; i++)
        for (int j = 0; j < W; j++) {
            float *row = cols + ((size_t)i * W + j) * 9 * C;
            for (int ky = 0; ky < 3; ky++)
                for (int kx = 0; kx < 3; kx++) {
                    int yy = i + ky - 1, xx = j + kx - 1;
                    float *dst = row + (ky * 3 + kx) * C;
                    if (yy < 0 || yy >= H || xx < 0 || xx >= W) memset(dst, 0, sizeof(float) * C);
                    else memcpy(dst, x + ((size_t)yy * W + xx) * C, sizeof(float) * C);
                }
        }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, H * W, Co, 9 * C, 1, cols, 9 * C, w, 9 * C, 0, y, Co);
}

// U[16][C][Co] = G g G^T per (input, output) channel pair; g is w[o][.][.][c].
static void winograd_weights(int C, int Co, const float *w, float *U) {
    for (int o = 0; o < Co; o++)
        for (int c = 0; c < C; c++) {
            float g[3][3], t[4][3];
            for (int a = 0; a < 3; a++) for (int b = 0; b < 3; b++) g[a][b] = w[((size_t)o * 9 + a * 3 + b) * C + c];
            for (int b = 0; b < 3; b++) {
                t[0][b] = g[0][b]; t[1][b] = 0.5f * (g[0][b] + g[1][b] + g[2][b]);
                t[2][b] = 0.5f * (g[0][b] - g[1][b] + g[2][b]); t[3][b] = g[2][b];
            }
            for (int a = 0; a < 4; a++) {
                float u[4] = {t[a][0], 0.5f * (t[a][0] + t[a][1] + t[a][2]), 0.5f * (t[a][0] - t[a][1] + t[a][2]), t[a][2]};
                for (int b = 0; b < 4; b++) U[((size_t)(a * 4 + b) * C + c) * Co + o] = u[b];
            }
        }
}

// y = A^T [ (B^T d B) . U ] A over 2x2 output tiles: V[16][T][C], M[16][T][Co] (16 GEMMs). The transforms run over
// whole channel rows (contiguous in NHWC), so the compiler vectorises them.
static void winograd_conv(int H, int W, int C, int Co, const float *x, const float *U, float *V, float *M, float *y, float *zero) {
    int th = (H + 1) / 2, tw = (W + 1) / 2, T = th * tw;
    for (int ti = 0; ti < th; ti++)
        for (int tj = 0; tj < tw; tj++) {
            int t = ti * tw + tj;
            const float *d[4][4];
            for (int a = 0; a < 4; a++)
                for (int b = 0; b < 4; b++) {
                    int yy = 2 * ti + a - 1, xx = 2 * tj + b - 1;
                    d[a][b] = (yy < 0 || yy >= H || xx < 0 || xx >= W) ? zero : x + ((size_t)yy * W + xx) * C;
                }
            float *v[16];
            for (int e = 0; e < 16; e++) v[e] = V + ((size_t)e * T + t) * C;
            for (int c = 0; c < C; c++) {
                float s[4][4];
                for (int b = 0; b < 4; b++) {
                    s[0][b] = d[0][b][c] - d[2][b][c]; s[1][b] = d[1][b][c] + d[2][b][c];
                    s[2][b] = d[2][b][c] - d[1][b][c]; s[3][b] = d[1][b][c] - d[3][b][c];
                }
                for (int a = 0; a < 4; a++) {
                    v[a * 4 + 0][c] = s[a][0] - s[a][2]; v[a * 4 + 1][c] = s[a][1] + s[a][2];
                    v[a * 4 + 2][c] = s[a][2] - s[a][1]; v[a * 4 + 3][c] = s[a][1] - s[a][3];
                }
            }
        }
    for (int e = 0; e < 16; e++)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, Co, C, 1, V + (size_t)e * T * C, C, U + (size_t)e * C * Co, Co, 0,
                    M + (size_t)e * T * Co, Co);
    for (int ti = 0; ti < th; ti++)
        for (int tj = 0; tj < tw; tj++) {
            int t = ti * tw + tj;
            const float *m[16];
            for (int e = 0; e < 16; e++) m[e] = M + ((size_t)e * T + t) * Co;
            float *out[2][2];
            for (int a = 0; a < 2; a++)
                for (int b = 0; b < 2; b++) {
                    int yy = 2 * ti + a, xx = 2 * tj + b;
                    out[a][b] = (yy < H && xx < W) ? y + ((size_t)yy * W + xx) * Co : NULL;
                }
            for (int o = 0; o < Co; o++) {
                float r[2][4];
                for (int b = 0; b < 4; b++) {
                    r[0][b] = m[b][o] + m[4 + b][o] + m[8 + b][o];
                    r[1][b] = m[4 + b][o] - m[8 + b][o] - m[12 + b][o];
                }
                for (int a = 0; a < 2; a++) {
                    if (out[a][0]) out[a][0][o] = r[a][0] + r[a][1] + r[a][2];
                    if (out[a][1]) out[a][1][o] = r[a][1] - r[a][2] - r[a][3];
                }
            }
        }
}

int main(void) {
    int shapes[][4] = {{160, 160, 16, 16}, {80, 80, 32, 32}, {40, 40, 64, 64}, {20, 20, 128, 128}, {80, 80, 128, 32}, {40, 40, 256, 64}, {20, 20, 256, 256}};
    printf("OpenBLAS core %s\n", openblas_get_corename());
    for (int s = 0; s < 7; s++) {
        int H = shapes[s][0], W = shapes[s][1], C = shapes[s][2], Co = shapes[s][3];
        int T = ((H + 1) / 2) * ((W + 1) / 2);
        float *x = malloc(sizeof(float) * H * W * C), *w = malloc(sizeof(float) * Co * 9 * C);
        float *cols = malloc(sizeof(float) * H * W * 9 * C), *y1 = malloc(sizeof(float) * H * W * Co), *y2 = malloc(sizeof(float) * H * W * Co);
        float *U = malloc(sizeof(float) * 16 * C * Co), *V = malloc(sizeof(float) * 16 * T * C), *M = malloc(sizeof(float) * 16 * T * Co);
        float *zero = calloc(C, sizeof(float));
        srand(3);
        for (long i = 0; i < (long)H * W * C; i++) x[i] = rand() / (float)RAND_MAX - 0.5f;
        for (long i = 0; i < (long)Co * 9 * C; i++) w[i] = (rand() / (float)RAND_MAX - 0.5f) / sqrtf(9.0f * C);
        double tg = 1e9, tw = 1e9, tu = 1e9;
        for (int r = 0; r < 5; r++) {
            double t = now(); im2col_conv(H, W, C, Co, x, w, cols, y1); t = now() - t; if (t < tg) tg = t;
            t = now(); winograd_weights(C, Co, w, U); t = now() - t; if (t < tu) tu = t;
            t = now(); winograd_conv(H, W, C, Co, x, U, V, M, y2, zero); t = now() - t; if (t < tw) tw = t;
        }
        double e1 = 0, e2 = 0, ref = 0;
        for (int i = 0; i < H; i++) for (int j = 0; j < W; j++) for (int o = 0; o < Co; o++) {
            double acc = 0;
            for (int ky = 0; ky < 3; ky++) for (int kx = 0; kx < 3; kx++) {
                int yy = i + ky - 1, xx = j + kx - 1;
                if (yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
                for (int c = 0; c < C; c++) acc += (double)x[((size_t)yy * W + xx) * C + c] * w[((size_t)o * 9 + ky * 3 + kx) * C + c];
            }
            size_t k = ((size_t)i * W + j) * Co + o;
            e1 = fmax(e1, fabs(y1[k] - acc)); e2 = fmax(e2, fabs(y2[k] - acc)); ref = fmax(ref, fabs(acc));
        }
        printf("%3dx%-3d %3d->%-3d  im2col+GEMM %7.3f ms  Winograd %7.3f ms (+ weights %.3f ms)  speedup %.2f (%.2f with weights)  "
               "max error: GEMM %.1e, Winograd %.1e (of %.2f)\n",
               H, W, C, Co, tg * 1e3, tw * 1e3, tu * 1e3, tg / tw, tg / (tw + tu), e1 / ref, e2 / ref, ref);
        free(x); free(w); free(cols); free(y1); free(y2); free(U); free(V); free(M); free(zero);
    }
    return 0;
}

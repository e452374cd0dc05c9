// GEMM speed for the bf16 decision (issue 19): OpenBLAS fp32 sgemm against oneDNN's matmul in fp32 and in bf16
// (bf16 operands, fp32 accumulation and output), on convolution-shaped problems (M output channels, N pixels,
// K = input channels x 9), one thread each; best of 5 runs, and the largest difference of the bf16 result.
// Not part of the build: it needs Debian's libdnnl-dev, which SPDTrain does not depend on (yet).
//   g++ -O2 tools/bench/bf16_gemm_bench.cpp -o /tmp/bf16_gemm_bench -ldnnl -lopenblas
//   OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=Haswell taskset -c 1 /tmp/bf16_gemm_bench
#include <dnnl.hpp>
#include <cblas.h>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>
using namespace dnnl;
static double now(){return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();}
int main(){
  engine eng(engine::kind::cpu,0); stream st(eng);
  int shapes[][3]={{64,4096,576},{128,1024,1152},{256,256,2304},{32,16384,288},{512,64,4608},{1024,1024,1024}};
  printf("openblas core %s\n", openblas_get_corename());
  for(auto&sh:shapes){ memory::dim M=sh[0],N=sh[1],K=sh[2];
    std::vector<float>A(M*K),B(K*N),C(M*N),C2(M*N),C3(M*N); srand(1);
    for(auto&x:A)x=rand()/(float)RAND_MAX-0.5f; for(auto&x:B)x=rand()/(float)RAND_MAX-0.5f;
    auto af=memory::desc({M,K},memory::data_type::f32,memory::format_tag::ab), bf=memory::desc({K,N},memory::data_type::f32,memory::format_tag::ab);
    auto ab=memory::desc({M,K},memory::data_type::bf16,memory::format_tag::ab), bb=memory::desc({K,N},memory::data_type::bf16,memory::format_tag::ab);
    auto cf=memory::desc({M,N},memory::data_type::f32,memory::format_tag::ab);
    memory Af(af,eng,A.data()),Bf(bf,eng,B.data()),Ab(ab,eng),Bb(bb,eng),Cb(cf,eng,C2.data()),Cf(cf,eng,C3.data());
    reorder(Af,Ab).execute(st,Af,Ab); reorder(Bf,Bb).execute(st,Bf,Bb); st.wait();
    matmul mb(matmul::primitive_desc(matmul::desc(ab,bb,cf),eng));
    matmul mf(matmul::primitive_desc(matmul::desc(af,bf,cf),eng));
    double t1=1e9,t2=1e9,t3=1e9,tc=1e9;
    for(int r=0;r<5;r++){double t=now();cblas_sgemm(CblasRowMajor,CblasNoTrans,CblasNoTrans,M,N,K,1,A.data(),K,B.data(),N,0,C.data(),N);t=now()-t;t1=std::min(t1,t);
      t=now();mb.execute(st,{{DNNL_ARG_SRC,Ab},{DNNL_ARG_WEIGHTS,Bb},{DNNL_ARG_DST,Cb}});st.wait();t=now()-t;t2=std::min(t2,t);
      t=now();mf.execute(st,{{DNNL_ARG_SRC,Af},{DNNL_ARG_WEIGHTS,Bf},{DNNL_ARG_DST,Cf}});st.wait();t=now()-t;t3=std::min(t3,t);
      t=now();reorder(Bf,Bb).execute(st,Bf,Bb);st.wait();t=now()-t;tc=std::min(tc,t);}
    double err=0,ref=0;for(long i=0;i<M*N;i++){err=std::fmax(err,std::fabs(C[i]-C2[i]));ref=std::fmax(ref,std::fabs(C[i]));}
    double fl=2.0*M*N*K;
    printf("M%5ld N%6ld K%5ld  openblas sgemm %6.1f  dnnl f32 %6.1f  dnnl bf16 %6.1f GF/s  bf16/sgemm %.2f  convert B %.2f ms  maxerr %.1e of %.1e\n",
      (long)M,(long)N,(long)K,fl/t1/1e9,fl/t3/1e9,fl/t2/1e9,t1/t2,tc*1e3,err,ref);
  }
}

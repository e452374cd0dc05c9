#ifndef SPD_CBLAS_SHIM_H
#define SPD_CBLAS_SHIM_H
#include <cblas.h>
#endif

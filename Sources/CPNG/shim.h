#ifndef SPD_CPNG_SHIM_H
#define SPD_CPNG_SHIM_H
#include <png.h>
#endif

#ifndef SPD_CZLIB_SHIM_H
#define SPD_CZLIB_SHIM_H
#include <zlib.h>
#endif

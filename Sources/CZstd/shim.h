#ifndef SPD_CZSTD_SHIM_H
#define SPD_CZSTD_SHIM_H
#include <zstd.h>
#include <zstd_errors.h>
#endif

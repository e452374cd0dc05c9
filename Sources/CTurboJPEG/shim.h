#ifndef SPD_CTURBOJPEG_SHIM_H
#define SPD_CTURBOJPEG_SHIM_H
#include <stddef.h>
#include <turbojpeg.h>
#endif

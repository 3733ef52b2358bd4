#ifndef SHARE_RELAY_CZLIB_SHIM_H
#define SHARE_RELAY_CZLIB_SHIM_H
#include <zlib.h>
#endif

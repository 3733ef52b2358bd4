#ifndef SHARE_RELAY_CSQLITE_SHIM_H
#define SHARE_RELAY_CSQLITE_SHIM_H
#include <sqlite3.h>
#endif

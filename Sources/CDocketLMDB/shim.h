#ifndef CDOCKETLMDB_SHIM_H
#define CDOCKETLMDB_SHIM_H
#include <lmdb.h>
#endif

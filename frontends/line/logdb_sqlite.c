/* logdb_sqlite.c: being written. */
#include "config.h"

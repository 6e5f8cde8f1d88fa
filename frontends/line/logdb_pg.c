/* logdb_pg.c: being written. */
#include "config.h"

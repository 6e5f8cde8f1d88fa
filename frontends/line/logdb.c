/* logdb.c: being written. */
#include "config.h"

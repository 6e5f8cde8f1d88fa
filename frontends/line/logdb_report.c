/* logdb_report.c: being written. */
#include "config.h"

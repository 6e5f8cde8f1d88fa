/* DfuSe memory-layout strings (filled in by the DFU change). */
#include "config.h"
#include "stmprog/dfuse.h"

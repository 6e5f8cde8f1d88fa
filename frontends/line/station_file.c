/* station_file.c: being written. */
#include "config.h"

/* job_build.c: being written. */
#include "config.h"

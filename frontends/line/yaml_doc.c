/* yaml_doc.c: being written. */
#include "config.h"

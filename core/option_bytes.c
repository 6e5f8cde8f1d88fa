/* Named option-byte fields (filled in by the option-byte change). */
#include "config.h"
#include "stmprog/option_bytes.h"

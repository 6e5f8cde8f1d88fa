/* libstmprog: named option-byte fields (placeholder). */
#ifndef STMPROG_OPTION_BYTES_H
#define STMPROG_OPTION_BYTES_H
#endif

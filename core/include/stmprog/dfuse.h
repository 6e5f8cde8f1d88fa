/* libstmprog: DfuSe memory-layout strings (placeholder). */
#ifndef STMPROG_DFUSE_H
#define STMPROG_DFUSE_H
#endif

/* A host side for the simulator's tests: start stmprog-sim with a COMMAND
 * that only waits, open its pty ourselves and speak AN3155 byte by byte.
 * Every byte is checked by the tests themselves; these helpers only move
 * them (tests/test_sim.c, tests/test_sim_stm32flash.c). */
#ifndef STMPROG_TEST_SIM_UTIL_H
#define STMPROG_TEST_SIM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TS_ACK 0x79
#define TS_NACK 0x1F

typedef struct ts_sim {
	pid_t pid;
	int fd;                 /* our end of the port, -1 when closed */
	char port[256];
	char portfile[4200];
	char donefile[4200];
	char errfile[4200];     /* the simulator's stderr, appended */
} ts_sim;

/* Path of the built simulator, or $STMPROG_SIM when set (a wrapper that
 * runs it under valgrind, say). */
const char *ts_sim_path(void);

/* Starts stmprog-sim with opts (space-separated, no quoting) and a COMMAND
 * that writes the port name to a file and waits; returns when the port
 * is known.  Files go to th_dir. */
void ts_start(ts_sim *s, const char *opts);
/* Opens the port raw at 115200: 8E1 (parity checking on, as serial tools
 * set it) when even, else 8N1. */
void ts_open(ts_sim *s, bool even);
/* Lets COMMAND end and returns the simulator's exit status. */
int ts_finish(ts_sim *s);

/* Bytes as they are. */
void ts_send(ts_sim *s, const uint8_t *b, size_t n);
void ts_send1(ts_sim *s, uint8_t b);
/* Up to n bytes within timeout_ms; returns how many came. */
size_t ts_recv(ts_sim *s, uint8_t *buf, size_t n, int timeout_ms);
/* One byte, or -1 when none comes within timeout_ms. */
int ts_byte(ts_sim *s, int timeout_ms);
/* Whether anything at all comes within timeout_ms (and swallows it). */
bool ts_silent(ts_sim *s, int timeout_ms);

/* AN3155 steps; each returns the device's answer byte (or -1). */
int ts_sync(ts_sim *s);
int ts_cmd(ts_sim *s, uint8_t code);
int ts_addr(ts_sim *s, uint32_t addr);
/* Whole commands: 0 on success, else the step that failed (1, 2, 3...). */
int ts_read(ts_sim *s, uint32_t addr, uint8_t *buf, unsigned n);
int ts_write(ts_sim *s, uint32_t addr, const uint8_t *data, unsigned n);
/* EXTENDED ERASE of these pages, or of code 0xFFFF/0xFFFE/0xFFFD. */
int ts_eerase(ts_sim *s, const uint16_t *pages, unsigned n);
int ts_eerase_special(ts_sim *s, uint16_t code);
/* GO; 0 when both ACKs came. */
int ts_go(ts_sim *s, uint32_t addr);

/* Whole files. */
size_t ts_read_file(const char *path, uint8_t *buf, size_t max);
void ts_write_file(const char *path, const void *buf, size_t n);
/* A file's text, NUL-terminated, in a static buffer ("" if missing). */
const char *ts_text(const char *path);

#endif

/* stmprog-sim: injected faults (--faults SPEC) and the PRNG behind them.
 *
 * Every decision comes from a seeded generator of our own, one stream per
 * kind of decision (bytes from the host, bytes to the host, replies), so a
 * run is reproducible from --seed as long as the host sends the same bytes,
 * however the bytes happen to be batched by the kernel. */
#ifndef STMPROG_SIM_FAULTS_H
#define STMPROG_SIM_FAULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The kinds of fault per transport: uart works on bytes and replies,
 * usb on control transfers, slcan on CAN frames.  A kind given for
 * another transport is an error, so a test never believes it injected
 * what it did not. */
/* splitmix64: tiny, fast, and good enough to decide coin flips. */
typedef struct sim_rng {
	uint64_t state;
} sim_rng;

void sim_rng_seed(sim_rng *r, uint64_t seed);
uint64_t sim_rng_next(sim_rng *r);
/* Uniform in [0, 1). */
double sim_rng_unit(sim_rng *r);

typedef enum sim_byte_fault {
	SIM_BYTE_OK = 0,
	SIM_BYTE_DROP,
	SIM_BYTE_FLIP
} sim_byte_fault;

typedef enum sim_frame_fault {
	SIM_FRAME_OK = 0,
	SIM_FRAME_LOST,         /* the receiver never gets it */
	SIM_FRAME_ERROR         /* destroyed by an error frame */
} sim_frame_fault;

typedef struct sim_faults {
	bool usb;               /* parsed for the usb transport */
	bool slcan;             /* parsed for the slcan transport */
	double lost;            /* slcan: a frame is lost on the bus */
	double errframe;        /* slcan: a frame ends in an error frame */
	double ber;             /* uart: byte error rate: drop or flip */
	double drop;
	double flip;
	double nack;            /* uart: an ACK becomes a NACK */
	double stall;           /* uart: a reply is delayed stall_ms;
	                         * usb: a DFU request is stalled */
	unsigned stall_ms;
	double status;          /* usb: a download's result is errPROG/errVERIFY */
	double insert;          /* uart: a stray byte follows a byte */
	double hold;            /* usb: a control transfer is answered late;
	                         * slcan: a frame to the host is late */
	unsigned hold_ms;
	double reenum;          /* usb: the target re-enumerates instead of
	                         * taking a control transfer */
	bool disconnect;        /* vanish after disconnect_after bytes (uart),
	                         * control transfers (usb) or frames (slcan) */
	uint64_t disconnect_after;
	bool cut;               /* slcan: the bus is cut after cut_after WRITE
	                         * data frames reached the bootloader */
	uint64_t cut_after;
	sim_rng rx, tx, reply;
	/* Streams of the kinds added later, so a spec without them draws
	 * exactly what it drew before they existed. */
	sim_rng ins_rx, ins_tx, hold_rng, reenum_rng;
	/* What was injected, for the summary line at exit. */
	unsigned long n_drop, n_flip, n_nack, n_stall, n_status;
	unsigned long n_lost, n_errframe;
	unsigned long n_insert, n_hold, n_reenum;
} sim_faults;

/* Parses SPEC for the named transport: "uart"
 * ("ber=0.01,insert=0.001,stall=0.1:500,disconnect=300"), "usb"
 * ("stall=0.05,status=0.1,hold=0.01:6000,reenum=0.01,disconnect=40") or
 * "slcan" ("lost=0.01,errframe=0.01,hold=0.01:1500,disconnect=50"); NULL or "" is no faults.  On
 * error returns -1 with a sentence naming the item in err. */
int sim_faults_parse(sim_faults *f, const char *spec, uint64_t seed,
                     const char *transport, char *err, size_t errlen);

/* Whether any byte-level fault (ber, drop, flip) is configured. */
bool sim_faults_bytes(const sim_faults *f);

/* Decides the fate of one byte in one direction; on SIM_BYTE_FLIP *byte
 * has had one bit flipped and *bit says which. */
sim_byte_fault sim_faults_byte(sim_faults *f, bool to_host, uint8_t *byte,
                               int *bit);
/* uart: whether a stray byte follows this one in this direction; *byte
 * is then the stray byte's value. */
bool sim_faults_insert(sim_faults *f, bool to_host, uint8_t *byte);
/* Whether this ACK turns into a NACK. */
bool sim_faults_nack(sim_faults *f);
/* Milliseconds this reply is held back, 0 for none. */
unsigned sim_faults_stall(sim_faults *f);

/* usb: whether this DFU class request is stalled. */
bool sim_faults_usb_stall(sim_faults *f);
/* usb: whether this download's result is a failure; *verify then says
 * errVERIFY (programmed, one byte wrong) rather than errPROG (half of it
 * programmed). */
bool sim_faults_usb_status(sim_faults *f, bool *verify);

/* usb: milliseconds this control transfer's completion is held back;
 * slcan: this frame to the host.  0 for none. */
unsigned sim_faults_hold(sim_faults *f);
/* usb: whether the target drops off the bus and enumerates again instead
 * of taking this control transfer. */
bool sim_faults_reenum(sim_faults *f);

/* slcan: the fate of one CAN frame, from the host (to_host false) or
 * to it.  Draws the same amount for every frame. */
sim_frame_fault sim_faults_frame(sim_faults *f, bool to_host);

#endif

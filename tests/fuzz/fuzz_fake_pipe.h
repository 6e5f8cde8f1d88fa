/* A DFU control pipe (backends/dfu/dfu_proto.h's dfu_io) whose answers
 * are the fuzz input's device bytes.  Each control transfer takes one
 * header byte: 0xFF a stall, 0xFE the device gone, 0xFD a timeout, 0xFC
 * another USB error; otherwise an IN transfer returns that many bytes
 * (at most what was asked for, as a USB host controller delivers) taken
 * from the input, and an OUT transfer moves all its bytes, or half of
 * them when the header is 0xFB.  Out of bytes, every transfer times out.
 * The last request is kept so a harness can check what the host asked. */
#ifndef STMPROG_FUZZ_FAKE_PIPE_H
#define STMPROG_FUZZ_FAKE_PIPE_H

#include "dfu_proto.h"
#include "fuzz_fake_input.h"

void fz_dfu_io(fz_in *in, dfu_io *io);

#endif

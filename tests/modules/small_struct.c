/* A test-only module whose descriptor claims to be smaller than ABI 1's:
 * the loader must refuse it rather than read past its end. */
#include "config.h"

#include "stmprog/backend.h"

static const stp_backend_ops ops;

const stp_backend_desc stp_backend_descriptor = {
	.abi_major = STP_BACKEND_ABI_MAJOR,
	.abi_minor = 0,
	.struct_size = 8,
	.ops_size = sizeof(stp_backend_ops),
	.name = "small",
	.ops = &ops,
};

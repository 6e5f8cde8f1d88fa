/* A test-only module built for a future backend ABI: the loader must
 * refuse it by its major version before touching anything else. */
#include "config.h"

#include "stmprog/backend.h"

static const stp_backend_ops ops;
static const char *const prefixes[] = {"/stp-future/", NULL};

const stp_backend_desc stp_backend_descriptor = {
	.abi_major = STP_BACKEND_ABI_MAJOR + 1,
	.abi_minor = 0,
	.struct_size = sizeof(stp_backend_desc),
	.ops_size = sizeof(stp_backend_ops),
	.name = "future",
	.description = "a module from a later ABI (tests only)",
	.transport = STP_TRANSPORT_UART,
	.port_prefixes = prefixes,
	.ops = &ops,
};

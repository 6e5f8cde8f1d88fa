/* A test-only shared object that is not an stmprog backend: it has no
 * descriptor symbol, and the loader must say so. */
#include "config.h"

int stp_test_not_a_backend(void);

int stp_test_not_a_backend(void)
{
	return 42;
}

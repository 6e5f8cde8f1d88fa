/* stmprog-sim: one clock for everything that is paced.
 *
 * CLOCK_MONOTONIC in nanoseconds, so wire times, flash times and fault
 * stalls share one time line and an absolute sleep never drifts. */
#ifndef STMPROG_SIM_TIME_H
#define STMPROG_SIM_TIME_H

#include <stdint.h>
#include <time.h>

#define SIM_NS_PER_MS INT64_C(1000000)
#define SIM_NS_PER_US INT64_C(1000)

static inline int64_t sim_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * INT64_C(1000000000) + ts.tv_nsec;
}

/* Sleeps until the absolute time t; returns at once when t has passed. */
static inline void sim_sleep_until(int64_t t)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(t / INT64_C(1000000000));
	ts.tv_nsec = (long)(t % INT64_C(1000000000));
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0)
		; /* EINTR (SIGCHLD): the deadline is absolute, so just go on */
}

#endif

/* stmprog-sim: --station FILE, a station file for stmprog-line that names
 * every simulated device's port (as stmprog's -c takes it) and chip, so
 * the production line can run against the simulator as against a jig.
 * Written with libyaml's emitter (the same library the line reads it
 * with), so every port string comes out quoted as YAML wants. */
#ifndef STMPROG_SIM_STATION_H
#define STMPROG_SIM_STATION_H

#include <stddef.h>

#include "sim_jig.h"

/* Returns 0, or -1 with a sentence in err. */
int sim_station_write(const char *path, const sim_device *dev, unsigned n,
                      char *err, size_t errlen);

#endif

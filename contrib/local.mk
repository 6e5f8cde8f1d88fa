# Things users install by hand or distributions pick up.
EXTRA_DIST += contrib/udev/50-stmprog.rules

include contrib/sim/local.mk

# Documentation: the man page is installed, the rest is distributed.
dist_man_MANS += docs/stmprog.1 docs/stmprog-sim.1
EXTRA_DIST += docs/architecture.md docs/chips.md docs/troubleshooting.md docs/option-bytes.md docs/dfu.md docs/can.md \
	docs/production.md docs/reliability.md docs/performance.md \
	docs/performance-ratios.png docs/migrating.md docs/vendor-compat.md
if BUILD_LINE
dist_man_MANS += docs/stmprog-line.1
endif

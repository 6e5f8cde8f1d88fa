# stmprog-sim: the STM32 ROM bootloaders' device side, for tests,
# benchmarks and users without hardware.
bin_PROGRAMS += contrib/sim/stmprog-sim
contrib_sim_stmprog_sim_SOURCES = contrib/sim/sim_main.c
contrib_sim_stmprog_sim_LDADD = core/libstmprog.la

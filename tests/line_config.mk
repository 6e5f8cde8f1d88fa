# stmprog-line tests: the station and job files, the serial rule and the
# job built from them (no device: everything here is checked before a
# board is touched).
if BUILD_LINE
if HAVE_CRITERION
check_PROGRAMS += tests/test_line_config
TESTS += tests/test_line_config
tests_test_line_config_SOURCES = tests/test_line_config.c $(TEST_HELPERS)
tests_test_line_config_CFLAGS = $(TEST_CFLAGS) $(YAML_CFLAGS) \
	-I$(top_srcdir)/frontends/line
tests_test_line_config_LDADD = frontends/line/libline.la \
	core/libstmprog.la $(CRITERION_LIBS)
endif
endif
EXTRA_DIST += contrib/examples/line/station-sim.yaml \
	contrib/examples/line/job-blink-f405.yaml

# libFuzzer harnesses over the backends' device-reply parsers (AN3155
# replies over a fake byte link, slcan lines, AN3154/AN5405 frames, DFU
# status and DfuSe replies over a fake control pipe, USB descriptors).
# Conventions as in tests/fuzz/local.mk; `make fuzz` builds these too.
FUZZ_BACKEND_HARNESSES =

EXTRA_PROGRAMS += $(FUZZ_BACKEND_HARNESSES)

/* The memories other than the flash, end to end: the L0/L1 data EEPROM,
 * OTP and the RAM the bootloader leaves to users, written by stmprog
 * through stmprog-sim on every transport that reaches them. */
#include "config.h"

#include <criterion/criterion.h>

#include "test_e2e_util.h"
#include "test_helpers.h"

TestSuite(memories_e2e, .init = th_dir_setup, .fini = th_dir_teardown,
          .timeout = 120);

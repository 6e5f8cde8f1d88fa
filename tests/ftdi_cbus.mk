# ftdi_cbus: issue 16's tests (filled in next).

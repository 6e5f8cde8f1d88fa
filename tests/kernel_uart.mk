# kernel_uart: issue 16's tests (filled in next).

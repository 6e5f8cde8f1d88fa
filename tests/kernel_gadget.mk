# kernel_gadget: issue 16's tests (filled in next).

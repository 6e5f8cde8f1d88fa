/* line_slot.h: being written. */

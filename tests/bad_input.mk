# The bad-input table: malformed and hostile input never touches the device.

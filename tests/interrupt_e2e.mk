# Interruptions: stmprog killed mid-write, then run again, on every transport.

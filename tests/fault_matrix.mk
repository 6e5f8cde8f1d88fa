# The fault matrix's seeded CI subset (bench/fault-matrix runs the whole).

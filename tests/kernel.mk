# (filled by the change that adds these tests)

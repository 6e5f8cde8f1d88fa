# stmprog-line tests (line_e2e): being written.

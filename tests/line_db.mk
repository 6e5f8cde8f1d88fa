# stmprog-line tests (line_db): being written.

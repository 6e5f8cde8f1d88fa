# stmprog-line tests (line_config): being written.

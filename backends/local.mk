# backends

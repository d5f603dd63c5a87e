"""Operations: running crawls, run health, locking."""

"""PTB handlers. Each takes plain values from the update, calls one use case, and delivers."""

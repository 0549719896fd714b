"""TLA+ backend: emit modules and configurations from the IR, run TLC, parse its output."""

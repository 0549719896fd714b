"""The commands `specdsl check`, `gen` and `lint`: what the command line dispatches to."""

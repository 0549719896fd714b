"""The front end: spec text -> AST -> checked IR (`loader.load_system` is its entry)."""

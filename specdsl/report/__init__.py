"""Reports of a check run: terminal table, JSON, Markdown, JUnit; counterexample
diagrams, ITF traces, and where a report is written."""

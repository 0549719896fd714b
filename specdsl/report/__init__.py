"""Report formats: terminal table, JSON, Markdown, JUnit."""

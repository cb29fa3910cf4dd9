"""The `voc` command (`main` registers the rest): one module per noun (themes and exports, theme, sentiment,
status/handoff/agent, serve/user)."""

"""The `voc` command: one module per noun (themes and exports, theme, sentiment, status/handoff/agent, serve/user)."""

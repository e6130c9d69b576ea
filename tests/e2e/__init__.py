"""End-to-end tests: the real `flowtop` binary in a real terminal (tmux)."""

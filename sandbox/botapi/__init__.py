"""The Bot API served by the sandbox, one module per area of methods."""

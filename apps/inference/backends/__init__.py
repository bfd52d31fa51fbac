"""Where inference runs: in this process (local), on an OpenAI-compatible server, or on a worker (queue)."""

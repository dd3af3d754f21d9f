"""The advisor as an OpenAI-compatible server: /v1/models, /v1/chat/completions (streamed, with the
sources in an `advisor` extension field), /v1/audio/transcriptions, /v1/audio/speech, /v1/embeddings.

    from advisor.api.app import create_api   # a FastAPI app; `advisor serve` mounts it at /v1
"""

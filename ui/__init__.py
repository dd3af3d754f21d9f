"""The advisor's web page (Gradio): a thin layer that renders the turn's events.

`ui.app.serve(settings)` starts it; `ui.app.build_app(settings)` builds it without starting.
Nothing heavy is imported here, so `import ui` stays cheap.
"""

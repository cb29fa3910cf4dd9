"""The voc web app (FastAPI, server-rendered pages): see `voc.web.app.create_app` and `voc serve`."""

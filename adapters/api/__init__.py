"""The Seerr-compatible REST API (FastAPI): the paths, JSON shapes, status numbers and error
codes of Jellyseerr/Overseerr, so that the tools written for those work against requestbot.

``build_api`` (app.py) makes the application; auth.py holds the key check and the acting
user, shapes.py the response models."""

"""KoopFlow's Flask side: pages, JSON API, CLI. WSGI entry point: ``service:create_app()``."""
from service.app import create_app

__all__ = ["create_app"]

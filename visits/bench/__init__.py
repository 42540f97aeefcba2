"""The page benchmark (`make bench-pages`): every page served by gunicorn with production
settings beside a bare Django page, at demo size and at a large size."""

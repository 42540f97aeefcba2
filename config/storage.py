"""Static files as production serves them: hashed and compressed by whitenoise, each file's URL
worked out once per process.

`{% static %}` asks the storage for a URL on every page (base.html alone names six files), and
the manifest storage works each one out afresh: the manifest lookup, the name's fragment and
query, then `urljoin`, about 90 Python calls a file. The manifest is read once when the process
starts and never changes under it, so the answer for a name is the same until the next deploy.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage

# Names come from templates, so there are few; the bound only guards against a caller that
# passes names of its own.
REMEMBERED = 1024


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """whitenoise's storage, remembering the URL of each file it has been asked for."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name: str | None, force: bool = False) -> str:
        if force or name is None:
            return super().url(name, force)
        url = self._urls.get(name)
        if url is None:
            url = super().url(name)
            if len(self._urls) < REMEMBERED:
                self._urls[name] = url
        return url

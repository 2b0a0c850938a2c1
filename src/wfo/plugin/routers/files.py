"""Moved: multipart uploads to `wfo.plugin.uploads`, file answers to `wfo.plugin.downloads`.

Kept only until the config-group routers import from there (they are converted at the same time).
"""

from __future__ import annotations

from wfo.plugin.downloads import attachment as attachment
from wfo.plugin.uploads import form_flag as form_flag
from wfo.plugin.uploads import multipart_body as multipart_body
from wfo.plugin.uploads import multipart_form as multipart_form
from wfo.plugin.uploads import uploads_of as uploads_of

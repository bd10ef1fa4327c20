"""``python -m veo_widgets.cli``: the ``veo`` command."""

from . import main

raise SystemExit(main())

"""``python -m veo_widgets.cli``: the ``veo`` command."""

from ._main import main

raise SystemExit(main())

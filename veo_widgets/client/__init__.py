"""``Client`` and ``AsyncClient``: the plans that run the protocol with the journal and money
rules, their sync and async drivers, the ``Run`` handle, and takes."""

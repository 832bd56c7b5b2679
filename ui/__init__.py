"""The Streamlit shell's panels (with ``app.py``): the only code besides ``app.py`` that imports Streamlit.

``state`` (the one accessor of the session state), ``guard`` (errors shown in place of a
part of the page), ``loading`` (the cached library calls and the study chosen), ``sidebar``,
``mapview`` (the map, its options and clicks), ``whatif`` (the edit panel) and one module per
tab (``communities``, ``coverage``, ``compare``, ``downloads``, ``quality``), each with a
``TITLE`` and ``render(view)`` (:mod:`ui.panel`). A new panel (siting, regions, access) is one
new module added to ``app.TABS``. The logic they show lives in ``planner.app``.
"""

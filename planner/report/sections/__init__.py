"""The report's sections: one module each, from the analysis (and its own inputs) to a Section.

Each module has ``build(ctx, number, ...)`` returning a format-neutral
:class:`~planner.report.model.Section` (title, paragraphs, facts, sentence lists, tables, maps);
:func:`planner.report.content.build_content` calls them in reading order:

- :mod:`~planner.report.sections.cover`: cover facts and the data sources
- :mod:`~planner.report.sections.summary`: key figures, headlines, standards, the three gaps
- :mod:`~planner.report.sections.maps`: the compliance, standards and coverage maps
- :mod:`~planner.report.sections.results`: matrix, checks, facilities, sub-districts
- :mod:`~planner.report.sections.recommend`: communities ranked by need, proposed sites
- :mod:`~planner.report.sections.siting`, :mod:`~planner.report.sections.regions`,
  :mod:`~planner.report.sections.access`: the planning commands' results, when given
- :mod:`~planner.report.sections.method`: method, parameters, standards, trail, validation
- :mod:`~planner.report.sections.scenario`: a what-if scenario's edits
"""

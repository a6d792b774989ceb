"""The read API: one function per thing a screen or the weekly report needs.

Every function reads the read-optimised layer of one data version (or, for detail rows, the
source tables), is memoised by ``data_access.cache.memoized`` (key: arguments + data version), and
takes primitive arguments only: periods as ``start, end`` dates of a half-open ``[start, end)``,
``scope`` as a tuple of street codes (None = the whole district), filters as codes. Aggregates come
back as DataFrames, map layers as GeoJSON dicts, detail rows as ``Rows(frame, truncated, limit)``.
Bad arguments raise ``ValueError`` (unknown street code, period, choice) or
``data_access.uscc.InvalidUSCC``; before the first refresh reads raise ``ReadLayerMissing``.

status      health(), data_status()
indicators  indicator_catalogue(scope, period), kpis(ids, period, scope),
            indicator_values(ids, start, end, scope, by, filters),
            indicator_trend(indicator_id, start, end, grain, scope, with_last_year)
geo         street_polygons(scope), street_choropleth(indicator_id, start, end, scope, per_km2)
overview    overview_kpis(scope), live_events(hours, limit, scope), latest_warnings(limit, scope, level)
entities    entities_by_type(scope, section), registration_trend(start, end, scope, entity_type, section),
            industry_mix(scope, entity_type), entities_by_street(scope, entity_type, section),
            credit_class_split(scope, section, entity_type), credit_list_counts(scope),
            top_growing_industries(start, end, scope, limit), entity_dynamics(start, end, scope, …)
complaints  complaints_by(dimension, start, end, scope, channel, kind, category),
            complaint_trend(start, end, scope, grain, …), complaint_rates(start, end, scope),
            top_complained_entities(start, end, scope, limit, category),
            complaint_hot_words(start, end, scope, limit),
            complaint_list(start, end, scope, …, uscc, limit, unmasked)
entity_file entity_file(uscc, unmasked, timeline_limit) -> EntityFile
search      search(q, limit, scope, status) -> Rows
"""

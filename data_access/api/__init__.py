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
supervision inspections_by_office(start, end, scope, kind), inspection_results(start, end, scope, kind),
            inspection_trend(start, end, scope, kind), inspection_tasks(start, end, scope, kind, limit),
            credit_list_entries(list_name, scope, limit)
cases       case_funnel(scope, office_code), case_trend(start, end, scope),
            cases_by(dimension, start, end, scope),
            duration_by_office(start, end, scope), cases_near_limit(scope, min_days, limit, office_code)
warnings    warnings_by(dimension, start, end, scope, level), warning_status(scope),
            warning_trend(start, end, scope, grain), open_warning_points(scope, level, limit),
            warning_rules(scope)
            (newest warnings: overview.latest_warnings)
monitoring  device_summary(scope), cameras_by_venue(scope), alarms_by_kind(start, end, scope, device_kind),
            alarm_funnel(start, end, scope, device_kind), alarm_trend(start, end, scope, grain, device_kind),
            devices(kind, scope, venue_category, status, limit),
            sensor_readings(device_id, start, end, metric, limit)
safety      licences_by_kind(scope), catering_grades(scope), sampling_by_category(start, end, scope),
            failed_samplings(start, end, scope, limit), equipment_by_age(kind, scope),
            equipment_inspection_due(scope),
            equipment_inspections(start, end, scope), entrapments(start, end, scope), cold_chain(scope)
emergency   incidents_by(dimension, start, end, scope), open_incidents_by(dimension, scope),
            incidents(scope, open_only, start, end, limit), resources(kind, status), resource_summary(),
            nearest_resources(incident_id, limit, kind, available_only), dispatch_stats(start, end, scope),
            incident_dispatches(incident_id)
efficacy    office_scorecard(), office_radar(office_code), office_trend(office_code, start, end)
online      online_stores(scope), ad_hits_by(dimension, start, end, scope), ad_hit_trend(start, end, scope),
            honors(scope, start, end), ip_rights(scope, start, end), ip_trend(start, end, scope)
screens4    社会共治 qr_scans_by(dimension, start, end, scope), qr_scan_trend(start, end, scope, grain),
            self_inspections_by(start, end, scope), mediations_by(dimension, start, end, scope),
            associations(start, end, scope), commitments_by_street(scope), problem_scans(scope, limit, kind);
            党建 party_orgs_by(dimension, scope), party_coverage_by_street(scope),
            party_activity_trend(start, end, scope, grain), party_activities_by(dimension, start, end, scope),
            party_orgs(scope, kind, limit);
            重大事项保障 assurance_missions(), assurance_sites(mission_id, scope, limit),
            assurance_sites_by(dimension, mission_id, scope),
            assurance_patrol_trend(mission_id, scope, grain),
            assurance_samplings(mission_id, scope, limit), assurance_incidents(mission_id, scope, limit);
            城运 city_orders_by(dimension, start, end, scope), city_order_status(scope),
            city_order_trend(start, end, scope, grain), city_order_feed(scope, limit, source, open_only),
            city_order_handling(start, end, scope)
public_card public_card(uscc) -> dict | None, record_scan(uscc, at) (the one write: a public_card scan)
analysis    compare(ids, start, end, scope),
            ranking(indicator_id, dimension, start, end, scope, limit, ascending),
            pivot(ids, start, end, rows, scope, filters)
city        (a city store's imported packages; scope = district codes; not memoised, see the module)
            city_districts(scope), city_periods(scope), city_ranking(indicator_id, period, scope, ascending),
            city_trend(indicator_id, scope, period_kind),
            city_street_ranking(indicator_id, period, scope, limit)

The standard periods of a KPI strip (today, this week, …) come from
``data_access.indicators.standard_periods(D)``; D is ``data_status()["data_time"]``'s date.
"""

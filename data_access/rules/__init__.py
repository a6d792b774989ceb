"""Warning rules as data, and the engine that executes them (docs/rules.md)."""

from data_access.rules.catalogue import BY_ID, CATALOGUE, CatalogueRule
from data_access.rules.definition import (
    RULE_TABLES,
    TITLE_FIELDS,
    Count,
    Exists,
    Filter,
    Join,
    Ref,
    RuleDefinition,
    RuleError,
    dump_definition,
    parse_definition,
)
from data_access.rules.engine import (
    DEADLINE_HOURS,
    OPEN_STATUSES,
    RULE_EDITORS,
    RulePermissionError,
    RuleRun,
    baseline,
    compile_rule,
    editable_params,
    ensure_catalogue,
    evaluate,
    rule_catalogue,
    update_rule,
)

__all__ = [
    "BY_ID", "CATALOGUE", "DEADLINE_HOURS", "OPEN_STATUSES", "RULE_EDITORS", "RULE_TABLES",
    "TITLE_FIELDS", "CatalogueRule", "Count", "Exists", "Filter", "Join", "Ref", "RuleDefinition",
    "RuleError", "RulePermissionError", "RuleRun", "baseline", "compile_rule", "dump_definition",
    "editable_params", "ensure_catalogue", "evaluate", "parse_definition", "rule_catalogue",
    "update_rule",
]

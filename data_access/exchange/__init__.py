"""The "1+16" city exchange: a district's package for the city platform, and its import there.

``export_package`` writes what a district sends upward for one period (indicator values of the
whole indicator library by district and street, the credit lists, the administrative-penalty
decisions and the 双随机 tasks and results) as a zip of JSON + CSV with a manifest of SHA-256
checksums; ``import_packages`` validates such packages and loads them into the city tables.
The format is versioned and described by the JSON Schemas in ``schema/`` (docs/exchange.md).
"""

from data_access.exchange.export import export_package
from data_access.exchange.format import SCHEMA_VERSION, ExchangeError, Period, parse_period
from data_access.exchange.load import ImportOutcome, import_package, import_packages

__all__ = [
    "SCHEMA_VERSION",
    "ExchangeError",
    "ImportOutcome",
    "Period",
    "export_package",
    "import_package",
    "import_packages",
    "parse_period",
]

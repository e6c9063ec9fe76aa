"""Command line: `retail-saas <command>`; see `retail-saas --help`."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="retail-saas", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    from retail_saas.generator.cli import add_parser as add_generate

    add_generate(sub)
    from retail_saas.postgres.cli import add_parser as add_postgres

    add_postgres(sub)
    from retail_saas.reports.cli import add_parsers as add_reports

    add_reports(sub)  # report, deliver
    from retail_saas.insights.cli import add_parser as add_insights

    add_insights(sub)
    from retail_saas.access.cli import add_audit_parser
    from retail_saas.access.cli import add_parser as add_access

    add_access(sub)
    add_audit_parser(sub)
    from retail_saas.publish.cli import add_parser as add_build

    add_build(sub)  # build: dbt build, then publish
    from retail_saas.daily.cli import add_parser as add_run

    add_run(sub)  # run: the daily job, dbt only if something changed
    from retail_saas.mf_cli import add_parser as add_mf

    add_mf(sub)  # mf: MetricFlow with the semantic manifest in step
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
